using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Features.Feeds;

/// <summary>
/// RSS, Atom and JSON Feed of the newest published articles, for everything and per tag. Only what the delivery API
/// shows: drafts, archived articles and scheduled ones whose time has not come never appear. Cached and conditional
/// like every delivery GET (ETag, 304, purged by writes).
/// </summary>
internal static class FeedEndpoints
{
    private delegate byte[] Writer(FeedContent content);

    private static readonly (string File, string ContentType, Writer Write, string Name, string Title)[] Formats =
    [
        ("rss.xml", FeedWriters.RssType, FeedWriters.Rss, "Rss", "RSS 2.0"),
        ("atom.xml", FeedWriters.AtomType, FeedWriters.Atom, "Atom", "Atom 1.0"),
        ("feed.json", FeedWriters.JsonFeedType, FeedWriters.Json, "Json", "JSON Feed 1.1"),
    ];

    public static RouteGroupBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/feeds").WithTags("Feeds").AllowAnonymous().RequireCors(CorsSetup.Delivery).WithDeliveryCaching();
        foreach (var (file, contentType, write, name, title) in Formats)
        {
            var mediaType = contentType.Split(';')[0];
            group.MapGet("/" + file, (HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
                    FeedAsync(http, db, options.Value, null, file, write, contentType, ct))
                .WithName($"{name}Feed").WithSummary($"{title} feed of the newest articles")
                .Produces(200, name == "Json" ? typeof(JsonFeed) : typeof(string), mediaType);
            group.MapGet("/tags/{slug}/" + file, (string slug, HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
                    FeedAsync(http, db, options.Value, slug, file, write, contentType, ct))
                .WithName($"{name}TagFeed").WithSummary($"{title} feed of the newest articles with a tag")
                .Produces(200, name == "Json" ? typeof(JsonFeed) : typeof(string), mediaType).ProducesProblems(404);
        }
        return group;
    }

    private sealed record FeedTag(string Slug, string Name, string Kind);

    private static async Task<IResult> FeedAsync(
        HttpContext http, DeliveryDataSource db, HeadlessNewsOptions options, string? tagSlug, string file, Writer write, string contentType, CancellationToken ct)
    {
        var settings = options.Feeds;
        await using var connection = db.Source.CreateConnection();
        FeedTag? tag = null;
        if (tagSlug is not null)
        {
            tag = TextRules.IsSlug(tagSlug, 100)
                ? await connection.QuerySingleOrDefaultAsync<FeedTag>(new CommandDefinition(FeedSql.TagBySlug, new { tag = tagSlug }, cancellationToken: ct))
                : null;
            if (tag is null)
                return Problems.NotFound("tag");
        }

        var articles = await ArticleMapping.LoadArticlesAsync(connection, tag is null ? FeedSql.Newest : FeedSql.NewestOfTag,
            new { tag = tagSlug, limit = settings.Items }, options.SiteUrl, ct);

        var site = options.SiteUrl.TrimEnd('/');
        var api = options.PublicApiUrl.TrimEnd('/');
        var content = new FeedContent(
            settings.Title,
            tag is null ? settings.Title : $"{settings.Title}: {tag.Name}",
            tag is null ? settings.Description : $"The latest published articles tagged {tag.Name}.",
            tag is null ? site + "/" : $"{site}/tags/{tag.Slug}",
            // From configuration only: a Host header is the client's to choose, and the feed is cached for everyone.
            tag is null ? $"{api}/feeds/{file}" : $"{api}/feeds/tags/{tag.Slug}/{file}",
            settings.Language, settings.FullContent, articles);
        SurrogateKeys.Add(http, [SurrogateKeys.Lists, .. articles.Select(a => SurrogateKeys.Article(a.Id))]);
        return TypedResults.Ok(new RawBody(write(content), contentType));
    }
}
