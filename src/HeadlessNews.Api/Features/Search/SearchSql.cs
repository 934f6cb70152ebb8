namespace HeadlessNews.Api.Features.Search;

internal static class SearchSql
{
    // Tag names: a small table, matched by prefix or trigram similarity.
    // Article titles: the nearest titles by word distance, straight from the GiST index of 0007 (a k-nearest-
    // neighbour scan that stops after a few rows); titles that start with what was typed rank first. The caller
    // drops titles too far away to be a sensible suggestion.
    public const string Suggest = """
        (select 'tag' as kind, t.name as text, t.slug,
                case when t.name ilike @prefix then 1 else 0 end + similarity(t.name, @q) as score
         from tags t
         where t.name ilike @prefix or t.name % @q
         order by score desc, t.name
         limit @limit)
        union all
        (select 'article', n.title, n.slug, case when n.title ilike @prefix then 1 else 0 end + (1 - n.distance)
         from (
             select a.title, a.slug, @q <<-> a.title as distance
             from visible_articles a
             order by @q <<-> a.title
             limit @limit
         ) n)
        order by score desc, kind desc
        limit @limit
        """;
}
