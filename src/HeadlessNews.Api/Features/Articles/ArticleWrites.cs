using Dapper;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>The article row and link writes shared by the management endpoints, the importer and the demo content loader.</summary>
internal static class ArticleWrites
{
    public static async Task<Guid> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ArticleWrite write, string searchLanguage, CancellationToken ct)
    {
        var id = await connection.ExecuteScalarAsync<Guid>(new CommandDefinition(ArticleSql.Insert, Parameters(write, Guid.Empty, searchLanguage), tx, cancellationToken: ct));
        await ReplaceTagsAsync(connection, tx, [(id, write.Tags ?? [])], ct);
        return id;
    }

    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, ArticleWrite write, string searchLanguage, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(ArticleSql.Update, Parameters(write, id, searchLanguage), tx, cancellationToken: ct));
        await ReplaceTagsAsync(connection, tx, [(id, write.Tags ?? [])], ct);
    }

    /// <summary>A time in the future schedules the article; now or earlier publishes it; null is now.</summary>
    public static Task PublishAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, DateTime? at, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ArticleSql.Publish, new { id, at }, tx, cancellationToken: ct));

    public static Task RefreshTextNeighboursAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ArticleSql.RefreshTextNeighbours, new { id }, tx, cancellationToken: ct));

    /// <summary>The curated links of one article or of a whole import batch, in the editor's order.</summary>
    public static Task ReplaceRelatedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(Guid Id, IReadOnlyList<Guid> Related)> set, CancellationToken ct)
    {
        var links = set.SelectMany(c => c.Related.Select((r, i) => (c.Id, Related: r, Position: i + 1))).ToList();
        return connection.ExecuteAsync(new CommandDefinition(ArticleSql.ReplaceRelatedLinks, new
        {
            ids = set.Select(c => c.Id).ToArray(),
            articleIds = links.Select(l => l.Id).ToArray(), relatedIds = links.Select(l => l.Related).ToArray(), positions = links.Select(l => l.Position).ToArray(),
        }, tx, cancellationToken: ct));
    }

    /// <summary>The tag links of one article or of a whole import batch, by tag slug, in the article's order.</summary>
    public static Task ReplaceTagsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(Guid Id, IReadOnlyList<string> Tags)> set, CancellationToken ct)
    {
        var links = set.SelectMany(r => r.Tags.Select((slug, i) => (r.Id, Slug: slug, Position: i + 1))).ToList();
        return connection.ExecuteAsync(new CommandDefinition(ArticleSql.ReplaceTagLinks, new
        {
            ids = set.Select(r => r.Id).ToArray(),
            articleIds = links.Select(l => l.Id).ToArray(), tagSlugs = links.Select(l => l.Slug).ToArray(), positions = links.Select(l => l.Position).ToArray(),
        }, tx, cancellationToken: ct));
    }

    /// <summary>A new version for articles changed other than through their own row (curated links, notes).</summary>
    public static Task TouchAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid[] ids, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ArticleSql.Touch, new { ids }, tx, cancellationToken: ct));

    private static object Parameters(ArticleWrite write, Guid id, string searchLanguage)
    {
        var body = ArticleBody.Render(write.BodyMarkdown);
        return new
        {
            Id = id,
            write.Slug,
            write.Title,
            write.Summary,
            BodyMarkdown = write.BodyMarkdown ?? "",
            BodyHtml = body.Html,
            Outline = StoredJson.Write(body.Outline),
            Sources = StoredJson.Write(write.Sources ?? []),
            write.AiGenerated,
            write.Disclosure,
            HeroImage = StoredJson.WriteOrNull(write.HeroImage),
            write.CanonicalUrl,
            body.WordCount,
            body.ReadingTimeMinutes,
            Tags = (write.Tags ?? []).ToArray(),
            SearchLanguage = searchLanguage,
        };
    }
}
