-- Search-as-you-type in a few index probes, whatever the archive's size. The k-nearest-neighbour trigram scan of
-- 0007 had to visit more titles the more titles shared trigrams with what was typed (the whole archive, on the
-- generator's 90-word vocabulary): about 100 suggestions a second at 100,000 articles, 10 at a million.
--
-- Now each word of a published or scheduled title is a row, indexed by (word, publish time): the newest titles
-- holding a word are an index walk that stops after a few rows. The words themselves are kept once in
-- suggestion_terms, the vocabulary, where what is being typed is completed by prefix (a btree range on C-collated
-- text) or corrected by trigram distance (a GiST k-nearest-neighbour scan over words, not titles).
--
-- The rows carry their article's publish time, and every suggestion query keeps to published_at <= now() and reads
-- the article through visible_articles: a scheduled title is never suggested before its time, and is suggested
-- from the moment its time comes, without waiting for the scheduler. The article write path keeps the rows in step
-- (suggestions_refresh, called by ArticleWriter.RecordAsync for every recorded change); deleting an article
-- cascades. Words no title holds any more stay in the vocabulary: they cost a probe that finds nothing.
create table suggestion_terms (
    term text collate "C" primary key
);
create index suggestion_terms_trigram on suggestion_terms using gist (term gist_trgm_ops);

-- first_word: the title starts with this word, which ranks it higher.
create table suggestion_words (
    term         text collate "C" not null,
    published_at timestamptz not null,
    article_id   uuid not null references articles (id) on delete cascade,
    first_word      boolean not null,
    primary key (article_id, term)
);
create index suggestion_words_newest on suggestion_words (term, published_at desc, article_id desc) include (first_word);

-- The words of a title or of what was typed, in order: lower case, split at everything but letters and digits.
create function suggestion_words_of(text) returns text[]
    language sql immutable parallel safe
    as $$ select array_remove(regexp_split_to_array(lower($1), '[^[:alnum:]]+'), '') $$;

-- An article's rows as its title, status and publish time now say (none unless published or scheduled). New words
-- join the vocabulary in sorted order, so two writers adding the same new words cannot deadlock on them.
create function suggestions_refresh(ids uuid[]) returns void
    language sql
    as $$
    delete from suggestion_words where article_id = any(ids);
    insert into suggestion_terms (term)
    select distinct w.term
    from articles a, unnest(suggestion_words_of(a.title)) as w(term)
    where a.id = any(ids) and a.status in ('published', 'scheduled') and length(w.term) <= 100
    order by w.term
    on conflict do nothing;
    insert into suggestion_words (term, published_at, article_id, first_word)
    select w.term, a.published_at, a.id, bool_or(w.position = 1)
    from articles a, unnest(suggestion_words_of(a.title)) with ordinality as w(term, position)
    where a.id = any(ids) and a.status in ('published', 'scheduled') and length(w.term) <= 100
    group by w.term, a.published_at, a.id;
    $$;

-- Titles and tag names that start with several words typed (an exact one first): a range walk of these indexes.
create index articles_title_prefix on articles ((lower(title) collate "C")) where status in ('published', 'scheduled');
create index tags_name_prefix on tags ((lower(name) collate "C"));
-- Tag names one typo away: the few nearest by trigram distance, handed over in order (k-nearest-neighbour).
create index tags_name_trigram_nearest on tags using gist (name gist_trgm_ops);

-- 0007's trigram index on titles served only suggestions.
drop index articles_title_trigram;

select suggestions_refresh(array(select id from articles where status in ('published', 'scheduled')));
