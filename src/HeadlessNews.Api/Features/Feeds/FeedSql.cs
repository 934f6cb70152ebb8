using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Feeds;

internal static class FeedSql
{
    public const string Newest = $"""
        select {ArticleSql.FullColumns} from visible_articles a
        order by a.published_at desc, a.id desc
        limit @limit
        """;

    // The tag's newest links walk the link index (migration 0004) and stop after @limit.
    public const string NewestOfTag = $"""
        select {ArticleSql.FullColumns} from visible_articles a
        where a.id in (
            select l.article_id from visible_tag_links l
            where l.tag_id = (select id from tags where slug = @tag)
            order by l.published_at desc, l.article_id desc
            limit @limit)
        order by a.published_at desc, a.id desc
        """;

    public const string TagBySlug = "select slug, name, kind from tags where slug = @tag";

    public const string VisibleCount = "select count(*) from visible_articles";

    public const string SitemapPage = """
        select slug, canonical_url, updated_at from visible_articles
        order by published_at, id
        offset @offset limit @limit
        """;

    // Google News takes articles from the last two days, at most 1,000.
    public const string News = """
        select slug, canonical_url, title, published_at from visible_articles
        where published_at > now() - interval '48 hours'
        order by published_at desc, id desc
        limit 1000
        """;
}
