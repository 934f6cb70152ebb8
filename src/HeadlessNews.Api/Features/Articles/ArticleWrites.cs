using Dapper;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>The article writes shared by the management endpoints and the demo content loader.</summary>
internal static class ArticleWrites
{
    public static async Task<Guid> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ArticleWrite write, string searchLanguage, CancellationToken ct)
    {
        var id = await connection.ExecuteScalarAsync<Guid>(new CommandDefinition(ArticleSql.Insert, Parameters(write, Guid.Empty, searchLanguage), tx, cancellationToken: ct));
        await ReplaceTagsAsync(connection, tx, id, write.Tags, ct);
        return id;
    }

    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, ArticleWrite write, string searchLanguage, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(ArticleSql.Update, Parameters(write, id, searchLanguage), tx, cancellationToken: ct));
        await ReplaceTagsAsync(connection, tx, id, write.Tags, ct);
    }

    /// <summary>A time in the future schedules the article; now or earlier publishes it; null is now.</summary>
    public static async Task PublishAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, DateTime? at, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(ArticleSql.Publish, new { id, at }, tx, cancellationToken: ct));
        await RefreshTextNeighboursAsync(connection, tx, id, ct);
    }

    public static Task RefreshTextNeighboursAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ArticleSql.RefreshTextNeighbours, new { id }, tx, cancellationToken: ct));

    public static Task ReplaceRelatedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, IReadOnlyList<Guid> related, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ArticleSql.ReplaceRelated, new { id, ids = related.ToArray() }, tx, cancellationToken: ct));

    private static Task ReplaceTagsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, IReadOnlyList<string>? tags, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ArticleSql.ReplaceTags, new { id, tags = (tags ?? []).ToArray() }, tx, cancellationToken: ct));

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
