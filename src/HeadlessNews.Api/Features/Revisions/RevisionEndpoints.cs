using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using DiffPlex;
using DiffPlex.Chunkers;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Revisions;

/// <summary>
/// Every change to an article is a revision: list them, read one, diff two (field by field and word by word), and
/// restore one, which is itself a new revision, so nothing is ever overwritten. Revisions outlive a deleted article.
/// </summary>
internal static class RevisionEndpoints
{
    // The fields an editor sets; derived ones (HTML, outline, counts, version, times) follow from them.
    private static readonly string[] ComparedFields =
        ["slug", "title", "summary", "bodyMarkdown", "tags", "sources", "aiGenerated", "disclosure", "heroImage", "canonicalUrl", "status", "publishedAt", "corrections"];

    public static RouteGroupBuilder MapRevisions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/manage/articles/{id:guid}/revisions").WithTags("Revisions")
            .RequireAuthorization(Policies.ReadContent).RequireCors(CorsSetup.Management).WithValidation();
        group.MapGet("/", List).WithName("ListRevisions").WithSummary("An article's revisions, newest first").ProducesProblems(404);
        group.MapGet("/{number:int}", Get).WithName("GetRevision").WithSummary("One revision: the article as it was").ProducesProblems(404);
        group.MapGet("/diff", Diff).WithName("DiffRevisions").WithSummary("What changed between two revisions")
            .WithDescription("Each editable field that differs, and a word-level diff of the Markdown body. Where the bodies differ in more " +
                             "than 10,000 words and spaces, that part is shown as one deletion and one insertion.").ProducesProblems(404);
        group.MapPost("/{number:int}/restore", Restore).WithName("RestoreRevision").WithSummary("Restore a revision's content")
            .WithDescription("Puts back the revision's editable fields and curated related articles as a new revision; " +
                             "status and publish time stay as they are. Needs If-Match with the article's current ETag.")
            .RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 412, 422, 428);
        return group;
    }

    private sealed record RevisionRow(int Number, string Action, DateTime CreatedAt, string? KeyId, string? KeyName, string Snapshot)
    {
        public RevisionSnapshot Read() => RevisionSnapshot.FromStored(Snapshot);
    }

    private static async Task<Results<Ok<RevisionList>, ProblemHttpResult>> List(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var rows = (await connection.QueryAsync<RevisionSummary>(new CommandDefinition(RevisionSql.List, new { id }, cancellationToken: ct))).AsList();
        return rows.Count == 0 ? Problems.NotFound("article") : TypedResults.Ok(new RevisionList(rows, null));
    }

    private static async Task<Results<Ok<Revision>, ProblemHttpResult>> Get(Guid id, int number, NpgsqlDataSource db, CancellationToken ct)
    {
        var rows = await LoadAsync(db, id, [number], ct);
        if (rows.Count == 0)
            return Problems.NotFound("revision");
        var row = rows[0];
        var snapshot = row.Read();
        return TypedResults.Ok(new Revision(row.Number, row.Action, row.CreatedAt, row.KeyId, row.KeyName, snapshot.Article, snapshot.RelatedIds));
    }

    private static async Task<Results<Ok<RevisionDiff>, ProblemHttpResult>> Diff(
        Guid id, [AsParameters] RevisionDiffQuery query, NpgsqlDataSource db, CancellationToken ct)
    {
        int from = query.From!.Value, to = query.To!.Value;
        var rows = await LoadAsync(db, id, [from, to], ct);
        if (rows.FirstOrDefault(r => r.Number == from) is not { } older || rows.FirstOrDefault(r => r.Number == to) is not { } newer)
            return Problems.NotFound("revision");
        var (a, b) = (older.Read(), newer.Read());
        var before = Comparable(a);
        var after = Comparable(b);
        var fields = ComparedFields.Append("relatedIds")
            .Where(f => !JsonNode.DeepEquals(before[f], after[f]))
            .Select(f => new FieldChange(f, before[f]?.DeepClone(), after[f]?.DeepClone()))
            .ToList();
        return TypedResults.Ok(new RevisionDiff(from, to, fields, WordDiff(a.Article.BodyMarkdown, b.Article.BodyMarkdown)));
    }

    private static JsonObject Comparable(RevisionSnapshot snapshot)
    {
        var article = JsonSerializer.SerializeToNode(snapshot.Article, JsonSerializerOptions.Web)!.AsObject();
        // Tags compare by slug; names and kinds belong to the tag, not the article.
        article["tags"] = new JsonArray(snapshot.Article.Tags.Select(t => (JsonNode)JsonValue.Create(t.Slug)).ToArray());
        article["relatedIds"] = JsonSerializer.SerializeToNode(snapshot.RelatedIds, JsonSerializerOptions.Web);
        return article;
    }

    /// <summary>
    /// The most words and spaces a word diff compares, in the part where the two bodies differ (their common
    /// beginning and end are set aside first). DiffPlex's time grows with that part's size times the number of
    /// changes in it: two different bodies of 200,000 characters took minutes; beyond this the part is shown as one
    /// deletion and one insertion.
    /// </summary>
    public const int MaxWordDiffPieces = 10_000;

    /// <summary>DiffPlex over words (the spaces and punctuation between them kept as pieces of their own).</summary>
    internal static List<TextChange> WordDiff(string older, string newer)
    {
        var (a, b) = (WordChunker.Instance.Chunk(older), WordChunker.Instance.Chunk(newer));
        var prefix = 0;
        while (prefix < a.Count && prefix < b.Count && a[prefix] == b[prefix])
            prefix++;
        var suffix = 0;
        while (suffix < a.Count - prefix && suffix < b.Count - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
            suffix++;
        var (oldMiddle, newMiddle) = (Join(a, prefix, a.Count - suffix), Join(b, prefix, b.Count - suffix));

        var changes = new List<TextChange>();
        void Add(string op, IEnumerable<string> pieces)
        {
            var text = string.Concat(pieces);
            if (text.Length == 0)
                return;
            if (changes.Count > 0 && changes[^1].Op == op)
                changes[^1] = changes[^1] with { Text = changes[^1].Text + text };
            else
                changes.Add(new TextChange(op, text));
        }
        Add("equal", a.Take(prefix));
        if (a.Count + b.Count - 2 * (prefix + suffix) > MaxWordDiffPieces)
        {
            Add("delete", [oldMiddle]);
            Add("insert", [newMiddle]);
        }
        else
        {
            var result = Differ.Instance.CreateDiffs(oldMiddle, newMiddle, ignoreWhiteSpace: false, ignoreCase: false, WordChunker.Instance);
            var position = 0;
            foreach (var block in result.DiffBlocks)
            {
                Add("equal", result.PiecesOld.Skip(position).Take(block.DeleteStartA - position));
                Add("delete", result.PiecesOld.Skip(block.DeleteStartA).Take(block.DeleteCountA));
                Add("insert", result.PiecesNew.Skip(block.InsertStartB).Take(block.InsertCountB));
                position = block.DeleteStartA + block.DeleteCountA;
            }
            Add("equal", result.PiecesOld.Skip(position));
        }
        Add("equal", a.Skip(a.Count - suffix));
        return changes;
    }

    private static string Join(IReadOnlyList<string> pieces, int from, int to) => string.Concat(pieces.Skip(from).Take(to - from));

    private static Task<Results<Ok<Article>, ProblemHttpResult>> Restore(
        Guid id, int number, HttpContext http, ArticleWriter writer, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Restored, async (connection, tx, state) =>
        {
            var rows = (await connection.QueryAsync<RevisionRow>(new CommandDefinition(RevisionSql.One,
                new { id, numbers = new[] { number } }, tx, cancellationToken: ct))).AsList();
            if (rows.Count == 0)
                return Problems.NotFound("revision");
            var snapshot = rows[0].Read();
            var old = snapshot.Article;
            var defaultCanonical = ArticleMapping.CanonicalUrl(null, old.Slug, options.Value.SiteUrl);
            var write = new ArticleWrite(old.Slug, old.Title, old.Summary, old.BodyMarkdown, old.Tags.Select(t => t.Slug).ToList(), old.Sources,
                old.AiGenerated, old.Disclosure, old.HeroImage, old.CanonicalUrl == defaultCanonical ? null : old.CanonicalUrl);
            if (await ArticleWriter.UnknownTagsAsync(connection, tx, write.Tags, ct) is { } unknown)
                return Problems.Unprocessable("A tag of this revision no longer exists; create it again first.",
                    new Dictionary<string, string[]> { ["tags"] = [((HttpValidationProblemDetails)unknown.ProblemDetails).Errors["tags"][0]] });
            await ArticleWrites.UpdateAsync(connection, tx, id, write, writer.SearchLanguage, ct);
            // Related articles deleted since then are left out.
            var existing = (await connection.QueryAsync<Guid>(new CommandDefinition(ArticleSql.KnownArticleIds,
                new { ids = snapshot.RelatedIds.ToArray() }, tx, cancellationToken: ct))).ToHashSet();
            await ArticleWrites.ReplaceRelatedAsync(connection, tx, [(id, snapshot.RelatedIds.Where(existing.Contains).ToList())], ct);
            return null;
        }, ct);

    private static async Task<List<RevisionRow>> LoadAsync(NpgsqlDataSource db, Guid id, int[] numbers, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<RevisionRow>(new CommandDefinition(RevisionSql.One, new { id, numbers }, cancellationToken: ct))).AsList();
    }
}
