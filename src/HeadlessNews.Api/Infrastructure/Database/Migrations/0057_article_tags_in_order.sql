-- Every card (lists, tag pages, search hits, the article itself) reads its tag ids in the editor's order
-- (ArticleSql.TagIdColumns): array(select tag_id from article_tags where article_id = ... order by position). Through
-- the primary key (article_id, tag_id) that was a bitmap heap scan and a sort for each card: 12-20% of a search page's
-- statement on the 100,000-article archive (pgbench, the benchmark's search words, the statement with and without the
-- tag ids). Through this index it is an index-only scan in order: the search mix ran 1,307 -> 1,498 statements/s.
-- Built in the migration's transaction: writes to article_tags wait for it (seconds at a million articles).
create index article_tags_in_order on article_tags (article_id, position) include (tag_id);
