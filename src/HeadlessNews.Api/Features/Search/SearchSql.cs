namespace HeadlessNews.Api.Features.Search;

internal static class SearchSql
{
    // Written for one generic plan (it runs on the delivery pool): every branch is an index walk that stops after a
    // few rows, so its cost does not grow with the archive (migration 0035). What was typed is split into words the
    // way titles are (suggestion_words_of); the last word may be unfinished.
    //
    // Titles, one word typed: the vocabulary's words that start with it (at most 16, alphabetically, so the word
    //   itself comes first) or, when none does and it has four letters or more, its four nearest words by trigram
    //   distance (a typo); for each word, the newest visible titles holding it (suggestion_words_newest; the row's
    //   publish time is the visibility rule, as for tag links).
    // Titles, several words typed: among the 200 newest titles holding the first word, those holding every finished
    //   word and a word that starts with the last one; and the titles that start with all that was typed, an exact
    //   title first (articles_title_prefix).
    // Tags: names that start with what was typed or, when none does, the names nearest to it by trigram similarity.
    // Ranks: an exact title 4, a title that starts with what was typed 3, a title word that does 2, a word one typo
    // away its similarity (below 1); a tag name 3 when exact, 2 when it starts with what was typed, plus its
    // similarity, or its similarity alone. Then the newest title first. The caller drops typo matches too far away
    // to be a sensible suggestion. Only the page's articles are read, through visible_articles.
    public const string Suggest = """
        with typed as materialized (
            select lower(@q) as whole, w[cardinality(w)] as last, w[1:cardinality(w) - 1] as earlier
            from suggestion_words_of(@q) as w
            where cardinality(w) > 0
        ),
        completed as materialized (
            select s.term, 1::real as closeness
            from suggestion_terms s
            where s.term >= (select last from typed) and s.term < (select last from typed) || chr(1114111)
            order by s.term
            limit 16
        ),
        terms as (
            select term, closeness from completed
            union all
            (select s.term, similarity(s.term, (select last from typed))
             from suggestion_terms s
             where not exists (select 1 from completed) and length((select last from typed)) >= 4
               and s.term % (select last from typed)
             order by s.term <-> (select last from typed)
             limit 4)
        ),
        by_word as (
            select w.article_id, max(w.published_at) as published_at,
                   max(case when t.closeness < 1 then t.closeness when w.first_word then 3 else 2 end) as score
            from terms t
            cross join lateral (
                select w.article_id, w.published_at, w.first_word from suggestion_words w
                where w.term = t.term and w.published_at <= now()
                order by w.published_at desc, w.article_id desc
                limit @limit
            ) w
            where cardinality((select earlier from typed)) = 0
            group by w.article_id
        ),
        by_phrase as (
            select w.article_id, w.published_at, 2 as score
            from (
                select w.article_id, w.published_at from suggestion_words w
                where cardinality((select earlier from typed)) > 0
                  and w.term = (select earlier[1] from typed) and w.published_at <= now()
                order by w.published_at desc, w.article_id desc
                limit 200
            ) w
            where (select count(*) from suggestion_words e where e.article_id = w.article_id and e.term = any((select earlier from typed)::text[]))
                  = cardinality(array(select distinct unnest((select earlier from typed))))
              and exists (select 1 from suggestion_words e
                          where e.article_id = w.article_id
                            and e.term >= (select last from typed) and e.term < (select last from typed) || chr(1114111))
            order by w.published_at desc, w.article_id desc
            limit @limit
        ),
        by_title as (
            select a.id as article_id, a.published_at, 3 as score
            from visible_articles a
            where cardinality((select earlier from typed)) > 0
              and lower(a.title) collate "C" >= (select whole from typed)
              and lower(a.title) collate "C" < (select whole from typed) || chr(1114111)
            order by lower(a.title) collate "C"
            limit @limit
        ),
        found as (
            select article_id, max(published_at) as published_at, max(score) as score
            from (select * from by_word union all select * from by_phrase union all select * from by_title) f
            group by article_id
            order by max(score) desc, max(published_at) desc, article_id
            limit @limit
        ),
        tag_prefix as materialized (
            select t.id, t.name, t.slug, case when lower(t.name) = lower(@q) then 3 else 2 end + similarity(t.name, @q) as score
            from tags t
            where lower(t.name) collate "C" >= lower(@q) and lower(t.name) collate "C" < lower(@q) || chr(1114111)
            order by lower(t.name) collate "C"
            limit @limit
        ),
        tags_found as (
            select * from tag_prefix
            union all
            (select t.id, t.name, t.slug, similarity(t.name, @q)
             from tags t
             where not exists (select 1 from tag_prefix) and t.name % @q
             order by t.name <-> @q
             limit @limit)
        )
        (select 'tag' as kind, t.name as text, t.slug, null::timestamptz as published_at, max(t.score) as score
         from tags_found t
         group by t.id, t.name, t.slug)
        union all
        select 'article', a.title, a.slug, a.published_at,
               case when lower(a.title) = (select whole from typed) then 4 else f.score end
        from found f join visible_articles a on a.id = f.article_id
        order by score desc, kind desc, published_at desc nulls first, text
        limit @limit
        """;
}
