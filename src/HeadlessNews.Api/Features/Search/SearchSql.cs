namespace HeadlessNews.Api.Features.Search;

internal static class SearchSql
{
    // One misplaced letter in a nine-letter word scores 0.58: the default word threshold (0.6) is too strict
    // for search-as-you-type. Only suggestions use the trigram operators, so the session setting is harmless.
    public const string LowerWordThreshold = "select set_config('pg_trgm.word_similarity_threshold', '0.45', false)";

    // Titles and tag names that start with what was typed rank first; otherwise trigram similarity finds
    // near misses ("ceasfire" still finds "Ceasefire"). Both conditions use the trigram indexes of 0006.
    public const string Suggest = """
        select kind, text, slug from (
            (select 'tag' as kind, t.name as text, t.slug,
                    case when t.name ilike @prefix then 1 else 0 end + similarity(t.name, @q) as score
             from tags t
             where t.name ilike @prefix or t.name % @q
             order by score desc, t.name
             limit @limit)
            union all
            (select 'article', a.title, a.slug,
                    case when a.title ilike @prefix then 1 else 0 end + word_similarity(@q, a.title)
             from visible_articles a
             where a.title ilike @prefix or @q <% a.title
             order by 4 desc, a.published_at desc
             limit @limit)
        ) s
        order by score desc, kind desc
        limit @limit
        """;
}
