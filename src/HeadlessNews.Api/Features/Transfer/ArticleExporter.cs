using System.Runtime.CompilerServices;
using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Database;
using Npgsql;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>Reads articles as export records, a page at a time in creation order, so any size streams in constant memory.</summary>
internal static class ArticleExporter
{
    public static async IAsyncEnumerable<ArticleRecord> ReadAllAsync(NpgsqlDataSource db, [EnumeratorCancellation] CancellationToken ct)
    {
        DateTime? afterAt = null;
        Guid? afterId = null;
        while (true)
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            var rows = await connection.QueryWholeAsync<ArticleRow>(new CommandDefinition(
                TransferSql.ExportPage, new { afterAt, afterId, limit = 1000 }, cancellationToken: ct));
            if (rows.Count == 0)
                yield break;
            foreach (var record in await ToRecordsAsync(connection, rows, ct))
                yield return record;
            (afterAt, afterId) = (rows[^1].CreatedAt, rows[^1].Id);
        }
    }

    public static async Task<Dictionary<Guid, ArticleRecord>> ReadByIdsAsync(NpgsqlConnection connection, Guid[] ids, CancellationToken ct)
    {
        if (ids.Length == 0)
            return [];
        var rows = await connection.QueryWholeAsync<ArticleRow>(new CommandDefinition(TransferSql.ExportByIds, new { ids }, cancellationToken: ct));
        return (await ToRecordsAsync(connection, rows, ct)).ToDictionary(r => r.Id!.Value);
    }

    private static async Task<List<ArticleRecord>> ToRecordsAsync(NpgsqlConnection connection, List<ArticleRow> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToArray();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{ArticleSql.TagsOfArticles};\n{TransferSql.RelatedSlugs};\n{TransferSql.CommentsOfArticles}", new { ids }, cancellationToken: ct));
        var tags = (await results.ReadAsync<TagRow>()).ToLookup(t => t.ArticleId);
        var related = (await results.ReadAsync<(Guid ArticleId, string Slug)>()).ToLookup(r => r.ArticleId, r => r.Slug);
        var comments = (await results.ReadAsync<CommentExportRow>()).ToLookup(c => c.ArticleId, c => c.ToRecord());
        return rows.Select(r => ToRecord(r, tags.TagsOf(r.Id), related[r.Id].ToList()) with
        {
            Comments = comments[r.Id].ToList() is { Count: > 0 } list ? list : null,
        }).ToList();
    }

    private sealed class CommentExportRow
    {
        public Guid ArticleId { get; init; }
        public Guid Id { get; init; }
        public string Body { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public Guid? ParentId { get; init; }
        public bool Featured { get; init; }
        public string? HeldReason { get; init; }
        public string? RejectReason { get; init; }
        public DateTime? EditedAt { get; init; }
        public Guid? AuthorId { get; init; }
        public string? AuthorIssuer { get; init; }
        public string? AuthorSubject { get; init; }
        public string? AuthorName { get; init; }
        public bool? AuthorStaff { get; init; }

        public CommentRecord ToRecord() => new(Id, Body, Status, CreatedAt, ParentId,
            AuthorId is { } author ? new CommentAuthorRecord(author, AuthorIssuer!, AuthorSubject!, AuthorName!, AuthorStaff ?? false) : null,
            Featured, HeldReason, RejectReason, EditedAt);
    }

    // ArticleRow.CanonicalUrl is the stored value: null unless an editor set one.
    private static ArticleRecord ToRecord(ArticleRow r, IReadOnlyList<TagRef> tags, IReadOnlyList<string> related) => new(
        r.Slug, r.Title, r.Status, r.Id, r.Summary, r.BodyMarkdown, tags, StoredJson.ReadList<SourceLink>(r.Sources), r.AiGenerated, r.Disclosure,
        StoredJson.Read<HeroImage>(r.HeroImage), r.CanonicalUrl, r.PublishedAt, r.CreatedAt, r.UpdatedAt, related,
        StoredJson.ReadList<CorrectionNote>(r.Corrections));
}
