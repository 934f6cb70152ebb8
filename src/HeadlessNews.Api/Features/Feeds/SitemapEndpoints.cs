using System.Text;
using System.Xml;
using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Features.Feeds;

/// <summary>
/// sitemap.xml lists every published article's canonical URL; above HeadlessNews:Feeds:SitemapPageSize URLs it is a
/// sitemap index of numbered pages. sitemap-news.xml follows Google News: articles of the last 48 hours.
/// </summary>
internal static class SitemapEndpoints
{
    private const string XmlType = "application/xml; charset=utf-8";
    private const string SitemapNs = "http://www.sitemaps.org/schemas/sitemap/0.9";
    private const string NewsNs = "http://www.google.com/schemas/sitemap-news/0.9";

    public static void MapSitemaps(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Feeds").AllowAnonymous().RequireCors(CorsSetup.Delivery).WithDeliveryCaching();
        group.MapGet("/sitemap.xml", Sitemap).WithName("Sitemap").WithSummary("Sitemap of published articles (an index above the page size)")
            .Produces<string>(200, "application/xml");
        group.MapGet("/sitemaps/articles-{page:int}.xml", SitemapPage).WithName("SitemapPage").WithSummary("One page of the sitemap index")
            .Produces<string>(200, "application/xml").ProducesProblems(404);
        group.MapGet("/sitemap-news.xml", NewsSitemap).WithName("NewsSitemap").WithSummary("Google News sitemap: the last 48 hours")
            .Produces<string>(200, "application/xml");
    }

    private sealed record UrlRow(string Slug, string? CanonicalUrl, DateTime UpdatedAt);

    private sealed record NewsRow(string Slug, string? CanonicalUrl, string Title, DateTime PublishedAt);

    private static async Task<IResult> Sitemap(HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var pageSize = options.Value.Feeds.SitemapPageSize;
        await using var connection = db.Source.CreateConnection();
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(FeedSql.VisibleCount, cancellationToken: ct));
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        if (count <= pageSize)
            return await UrlSetAsync(connection, options.Value.SiteUrl, 0, pageSize, ct);

        var pages = (int)((count + pageSize - 1) / pageSize);
        // From configuration only: a Host header is the client's to choose, and the index is cached for everyone.
        var api = options.Value.PublicApiUrl.TrimEnd('/');
        return Xml(writer =>
        {
            writer.WriteStartElement("sitemapindex", SitemapNs);
            for (var page = 1; page <= pages; page++)
            {
                writer.WriteStartElement("sitemap", SitemapNs);
                writer.WriteElementString("loc", SitemapNs, $"{api}/sitemaps/articles-{page}.xml");
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        });
    }

    private static async Task<IResult> SitemapPage(int page, HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var pageSize = options.Value.Feeds.SitemapPageSize;
        await using var connection = db.Source.CreateConnection();
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(FeedSql.VisibleCount, cancellationToken: ct));
        if (page < 1 || (long)(page - 1) * pageSize >= count)
            return Problems.NotFound("sitemap page");
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        return await UrlSetAsync(connection, options.Value.SiteUrl, (long)(page - 1) * pageSize, pageSize, ct);
    }

    private static async Task<IResult> UrlSetAsync(Npgsql.NpgsqlConnection connection, string siteUrl, long offset, int limit, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<UrlRow>(new CommandDefinition(FeedSql.SitemapPage, new { offset, limit }, cancellationToken: ct));
        return Xml(writer =>
        {
            writer.WriteStartElement("urlset", SitemapNs);
            foreach (var row in rows)
            {
                writer.WriteStartElement("url", SitemapNs);
                writer.WriteElementString("loc", SitemapNs, ArticleMapping.CanonicalUrl(row.CanonicalUrl, row.Slug, siteUrl));
                writer.WriteElementString("lastmod", SitemapNs, row.UpdatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ"));
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        });
    }

    private static async Task<IResult> NewsSitemap(HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var settings = options.Value;
        await using var connection = db.Source.CreateConnection();
        var rows = await connection.QueryAsync<NewsRow>(new CommandDefinition(FeedSql.News, cancellationToken: ct));
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        return Xml(writer =>
        {
            writer.WriteStartElement("urlset", SitemapNs);
            writer.WriteAttributeString("xmlns", "news", null, NewsNs);
            foreach (var row in rows)
            {
                writer.WriteStartElement("url", SitemapNs);
                writer.WriteElementString("loc", SitemapNs, ArticleMapping.CanonicalUrl(row.CanonicalUrl, row.Slug, settings.SiteUrl));
                writer.WriteStartElement("news", "news", NewsNs);
                writer.WriteStartElement("news", "publication", NewsNs);
                writer.WriteElementString("news", "name", NewsNs, settings.Feeds.Title);
                writer.WriteElementString("news", "language", NewsNs, settings.Feeds.Language);
                writer.WriteEndElement();
                writer.WriteElementString("news", "publication_date", NewsNs, row.PublishedAt.ToString("yyyy-MM-ddTHH:mm:ssZ"));
                writer.WriteElementString("news", "title", NewsNs, row.Title);
                writer.WriteEndElement();
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        });
    }

    private static IResult Xml(Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new CleanXmlWriter(XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) })))
        {
            writer.WriteStartDocument();
            write(writer);
            writer.WriteEndDocument();
        }
        return TypedResults.Ok(new RawBody(buffer.ToArray(), XmlType));
    }
}
