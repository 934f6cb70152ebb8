using System.Text.Json;
using Dapper;
using HeadlessNews.Api.Features.Tags;
using HeadlessNews.Api.Infrastructure.Database;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

// Rows as PostgreSQL returns them; the jsonb columns arrive as text and are parsed here, and
// To*() decides what leaves the process.
internal sealed class ArticleRow
{
    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string? Summary { get; init; }
    public string BodyMarkdown { get; init; } = "";
    public string BodyHtml { get; init; } = "";
    public string Outline { get; init; } = "[]";
    public string Status { get; init; } = "";
    public DateTime? PublishedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public string Sources { get; init; } = "[]";
    public bool AiGenerated { get; init; }
    public string? Disclosure { get; init; }
    public string? HeroImage { get; init; }
    public string? CanonicalUrl { get; init; }
    public int WordCount { get; init; }
    public int ReadingTimeMinutes { get; init; }
    public int Version { get; init; }
    public string Corrections { get; init; } = "[]";
    public bool CommentsOpen { get; init; }
    public int CommentCount { get; init; }
    // Only from the delivery page's read (ArticleSql.VisibleBySlug).
    public Guid[]? TagIds { get; init; }
    public Guid? TagGeneration { get; init; }
}

internal sealed class CardRow
{
    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string? Summary { get; init; }
    public DateTime? PublishedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public string Status { get; init; } = "";
    public string? HeroImage { get; init; }
    public bool AiGenerated { get; init; }
    public int ReadingTimeMinutes { get; init; }
    public string? CanonicalUrl { get; init; }
    // Only from search: the start of the text as parsed when written, and the query (SearchSnippet).
    public string? SnippetTokens { get; init; }
    public string? SnippetLexemes { get; init; }
    public string? SnippetQuery { get; init; }
    public double Score { get; init; }
    public bool CommentsOpen { get; init; }
    public int CommentCount { get; init; }
    // Only from pages that select ArticleSql.TagIdColumns.
    public Guid[]? TagIds { get; init; }
    public Guid? TagGeneration { get; init; }
}

internal sealed class RelatedRow
{
    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string? Summary { get; init; }
    public DateTime PublishedAt { get; init; }
    public string? HeroImage { get; init; }
    public string Kind { get; init; } = "";
    public string? Reason { get; init; }
    public bool CommentsOpen { get; init; }
    public int CommentCount { get; init; }

    public RelatedCard ToCard() => new(Id, Slug, Title, Summary, PublishedAt, StoredJson.Read<HeroImage>(HeroImage),
        new CommentSummary(CommentsOpen, CommentCount), Kind, Reason);
}

internal sealed record TagRow(Guid ArticleId, string Slug, string Name, string Kind);

/// <summary>
/// Lock-row state every write to an existing article checks first. Status is the effective one;
/// AnnouncementDue says its schedule's time has come but partners have not been told yet.
/// </summary>
internal sealed record ArticleState(int Version, string Status, DateTime? PublishedAt, bool AiGenerated, string? Disclosure, int SourceCount, bool AnnouncementDue)
{
    public Visibility Visibility => ArticleVisibility.Of(Status);
}

/// <summary>The JSON kept in jsonb columns: camelCase, the same shapes the API shows.</summary>
internal static class StoredJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static string? WriteOrNull<T>(T? value) where T : class => value is null ? null : Write(value);

    public static T? Read<T>(string? json) where T : class => json is null ? null : JsonSerializer.Deserialize<T>(json, Options);

    // Most articles carry no corrections: an empty list is not worth a parser.
    public static IReadOnlyList<T> ReadList<T>(string? json) => json is null or "[]" ? [] : JsonSerializer.Deserialize<List<T>>(json, Options) ?? [];
}

internal static class ArticleMapping
{
    public static string CanonicalUrl(string? stored, string slug, string siteUrl) =>
        stored ?? $"{siteUrl.TrimEnd('/')}/articles/{slug}";

    public static IReadOnlyList<TagRef> TagsOf(this ILookup<Guid, TagRow> tags, Guid articleId) =>
        tags[articleId].Select(t => new TagRef(t.Slug, t.Name, t.Kind)).ToList();

    public static Article ToArticle(this ArticleRow r, IReadOnlyList<TagRef> tags, string siteUrl) => new()
    {
        Id = r.Id,
        Slug = r.Slug,
        Title = r.Title,
        Summary = r.Summary,
        BodyMarkdown = r.BodyMarkdown,
        BodyHtml = r.BodyHtml,
        Outline = StoredJson.ReadList<OutlineEntry>(r.Outline),
        Status = r.Status,
        PublishedAt = r.PublishedAt,
        CreatedAt = r.CreatedAt,
        UpdatedAt = r.UpdatedAt,
        Tags = tags,
        Sources = StoredJson.ReadList<SourceLink>(r.Sources),
        AiGenerated = r.AiGenerated,
        Disclosure = r.Disclosure,
        HeroImage = StoredJson.Read<HeroImage>(r.HeroImage),
        CanonicalUrl = CanonicalUrl(r.CanonicalUrl, r.Slug, siteUrl),
        WordCount = r.WordCount,
        ReadingTimeMinutes = r.ReadingTimeMinutes,
        Corrections = StoredJson.ReadList<CorrectionNote>(r.Corrections),
        Version = r.Version,
        Comments = new CommentSummary(r.CommentsOpen, r.CommentCount),
    };

    public static ArticleCard ToCard(this CardRow r, IReadOnlyList<TagRef> tags, string siteUrl) => new(
        r.Id, r.Slug, r.Title, r.Summary, r.PublishedAt, r.CreatedAt, r.UpdatedAt, r.Status, tags, StoredJson.Read<HeroImage>(r.HeroImage),
        r.AiGenerated, r.ReadingTimeMinutes, CanonicalUrl(r.CanonicalUrl, r.Slug, siteUrl), new CommentSummary(r.CommentsOpen, r.CommentCount),
        SearchSnippet.FromStored(r.SnippetTokens, r.SnippetLexemes, r.SnippetQuery));

    /// <summary>
    /// Cards with their tags: the page query, then one query for all the page's tags. Each card comes with its
    /// row's score (search relevance; 0 for other lists), which search cursors need.
    /// </summary>
    public static async Task<List<(ArticleCard Card, double Score)>> LoadCardsAsync(
        NpgsqlConnection connection, string sql, object args, string siteUrl, CancellationToken ct)
    {
        var rows = await connection.QueryWholeAsync<CardRow>(new CommandDefinition(sql, args, cancellationToken: ct));
        if (rows.Count == 0)
            return [];
        var tags = (await connection.QueryAsync<TagRow>(new CommandDefinition(ArticleSql.TagsOfArticles,
            new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct))).ToLookup(t => t.ArticleId);
        return rows.Select(r => (r.ToCard(tags.TagsOf(r.Id), siteUrl), r.Score)).ToList();
    }

    /// <summary>
    /// A delivery page (a list or search results) in one statement: its rows carry their tag ids (ArticleSql.TagIdColumns),
    /// looked up in the TagDirectory's copy of the tags. Each card comes with its row's score (search relevance; 0 for
    /// other lists), which search cursors need.
    /// </summary>
    public static async Task<List<(ArticleCard Card, double Score)>> LoadPageAsync(
        NpgsqlConnection connection, TagDirectory directory, string sql, object args, string siteUrl, CancellationToken ct)
    {
        var rows = await connection.QueryWholeAsync<CardRow>(new CommandDefinition(sql, args, cancellationToken: ct));
        if (rows.Count == 0)
            return [];
        var tags = await directory.TagsOfAsync(connection, rows[0].TagGeneration, [.. rows.Select(r => r.TagIds)], ct);
        return [.. rows.Select((r, i) => (r.ToCard(tags[i], siteUrl), r.Score))];
    }

    /// <summary>Whole articles with their tags: the article query (FullColumns), then one query for all their tags.</summary>
    public static async Task<List<Article>> LoadArticlesAsync(NpgsqlConnection connection, string sql, object args, string siteUrl, CancellationToken ct)
    {
        var rows = await connection.QueryWholeAsync<ArticleRow>(new CommandDefinition(sql, args, cancellationToken: ct));
        if (rows.Count == 0)
            return [];
        var tags = (await connection.QueryAsync<TagRow>(new CommandDefinition(ArticleSql.TagsOfArticles,
            new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct))).ToLookup(t => t.ArticleId);
        return rows.Select(r => r.ToArticle(tags.TagsOf(r.Id), siteUrl)).ToList();
    }

    /// <summary>The list card of an article already in hand, as webhooks carry it.</summary>
    public static ArticleCard ToCard(this Article a) => new(
        a.Id, a.Slug, a.Title, a.Summary, a.PublishedAt, a.CreatedAt, a.UpdatedAt, a.Status, a.Tags, a.HeroImage, a.AiGenerated,
        a.ReadingTimeMinutes, a.CanonicalUrl, a.Comments);

    public static async Task<Article?> LoadByIdAsync(NpgsqlConnection connection, Guid id, string siteUrl, CancellationToken ct)
    {
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            ArticleSql.ById + ";\n" + ArticleSql.TagsOfId, new { id }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<ArticleRow>();
        var tags = (await results.ReadAsync<TagRow>()).ToLookup(t => t.ArticleId);
        return row?.ToArticle(tags.TagsOf(row.Id), siteUrl);
    }
}
