-- Suggestions want the few titles nearest to what was typed. A GiST trigram index can hand those over in
-- order of distance and stop (k-nearest-neighbour); the GIN index of 0006 could only filter, and a short
-- prefix matches a large share of all titles.
drop index articles_title_trigram;
create index articles_title_trigram on articles using gist (title gist_trgm_ops);
