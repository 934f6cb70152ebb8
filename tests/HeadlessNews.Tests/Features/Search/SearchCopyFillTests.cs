using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Tests.Infrastructure;
using Npgsql;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// Search's copy of the newest articles (migration 0052) is left to be filled by transactions that defer it (0058,
/// an import's batches): the articles they create get no row there; those they change keep theirs as always.
/// RecentBodies.FillAsync adds what the copy's rules say it lacks, unless an import holds it off, and an import fills
/// it when it ends.
/// </summary>
public sealed class SearchCopyFillTests : ApiTestBase
{
    // Rows the copy should have and lacks, has and should not, or holds otherwise than its article now stands.
    private const string CopyDiffers = """
        select count(*) from (
            select a.id, a.published_at, a.published_at > h.newest_after as newest,
                   article_search_vector(a.search_language, a.title, a.tag_names, a.summary, a.body_markdown) as body,
                   article_search_head(a.search_language, a.title, a.tag_names, a.summary) as head,
                   array_to_string(suggestion_words_of(a.title), ' ') as title_key
            from articles a, article_search_recent_horizon h
            where a.status in ('published', 'scheduled') and a.published_at > h.kept_after
        ) want
        full join article_search_recent r on r.article_id = want.id
        where want.id is null or r.article_id is null or r.published_at <> want.published_at or r.newest <> want.newest
           or r.body <> want.body or r.head <> want.head or r.title_key <> want.title_key
        """;

    [Test]
    public async Task ATransactionThatDefersTheCopyAddsNoRowForWhatItCreatesAndAFillAddsThemUnlessAnImportHoldsItOff()
    {
        await CreatePublishedAsync("lantern-kept");
        await CreatePublishedAsync("lantern-edited");
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.Zero, "written outside an import: copied at once");

        // One transaction, as an import's batch: three new articles, an edit of a copied one.
        await SqlAsync<string>("""
            select set_config('headlessnews.defer_search_copy', 'on', true);
            insert into articles (slug, title, body_markdown, status, published_at)
            values ('lantern-new', 'A new lantern', 'Lit at dusk.', 'published', now() - interval '1 minute'),
                   ('lantern-week', 'A lantern of last week', 'Lit on Monday.', 'published', now() - interval '5 days'),
                   ('lantern-old', 'An old lantern', 'Lit long ago.', 'published', now() - interval '10 days');
            update articles set body_markdown = 'Lit at dawn instead.' where slug = 'lantern-edited';
            """);
        Assert.That(await CopiedAsync(), Is.EqualTo(new[] { "lantern-edited", "lantern-kept" }), "the new ones left out");
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.EqualTo(3), "the edited one's row as it now stands; three missing");

        // The horizons moved on meanwhile: only what is newer than a week belongs in the copy, flagged newest if newer than two days.
        await SqlAsync<int>("update article_search_recent_horizon set newest_after = now() - interval '2 days', kept_after = now() - interval '7 days'");
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.EqualTo(2));

        await using (var import = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
        {
            await import.OpenAsync();
            await using (var hold = new NpgsqlCommand($"select pg_advisory_lock_shared({RecentBodies.ImportLockKey})", import))
                await hold.ExecuteNonQueryAsync();
            Assert.That(await FillAsync(), Is.Null, "an import is writing: the fill of every minute waits for its end");
            Assert.That(await SqlAsync<long>(CopyDiffers), Is.EqualTo(2));
            Assert.That(await FillAsync(evenWhileImporting: true), Is.EqualTo(2), "an import's own end does not wait for another");
        }

        Assert.That(await SqlAsync<long>(CopyDiffers), Is.Zero, "the new one flagged newest, last week's not, the old one left out");
        Assert.That(await CopiedAsync(), Is.EqualTo(new[] { "lantern-edited", "lantern-kept", "lantern-new", "lantern-week" }));
        Assert.That(await FillAsync(), Is.Zero, "nothing left to add");
    }

    [Test]
    public async Task AnImportFillsTheCopyWhenItEndsSoItsArticlesAreFoundByTheirBodies()
    {
        await CreatePublishedAsync("harbour-edited");
        await CreatePublishedAsync("harbour-withdrawn");
        // More than a batch of the importer: new articles (published, scheduled and drafts), an edit of a copied
        // article and one made a draft.
        var lines = Enumerable.Range(0, 1200).Select(i =>
            $$"""{"slug":"quay-{{i}}","title":"Quay report {{i}}","status":"{{(i % 10 == 0 ? "draft" : i % 10 == 1 ? "scheduled" : "published")}}","publishedAt":"{{(i % 10 == 1 ? "2099-01-01T00:00:00Z" : "2026-03-01T00:00:00Z")}}","bodyMarkdown":"The bollards were {{(i == 7 ? "zephyrine" : "painted")}} again."}""")
            .Append("""{"slug":"harbour-edited","title":"Harbour edited","status":"published","publishedAt":"2026-03-02T00:00:00Z","bodyMarkdown":"A lighthouse beam, now."}""")
            .Append("""{"slug":"harbour-withdrawn","title":"Harbour withdrawn","status":"draft","bodyMarkdown":"Gone."}""");
        var content = new StringContent(string.Join('\n', lines), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

        Assert.That(await SqlAsync<long>(CopyDiffers), Is.Zero, "the copy as its rules say, the edit's new text in it");
        Assert.That(await SqlAsync<long>("select count(*) from article_search_recent"), Is.EqualTo(1200 - 120 + 1));
        Assert.That(await SlugsFoundAsync("zephyrine"), Is.EqualTo(new[] { "quay-7" }), "found by a word of its body only");
        Assert.That(await SlugsFoundAsync("lighthouse"), Is.EqualTo(new[] { "harbour-edited" }));
        Assert.That(await SqlAsync<long>(ImportLocks), Is.Zero, "the import's lock released");
    }

    [Test]
    public async Task AnImportCutShortByBadBytesReleasesItsLockAndTheFillOfEveryMinuteCatchesUp()
    {
        var lines = Enumerable.Range(0, 1500).Select(i =>
            $$"""{"slug":"pier-{{i}}","title":"Pier note {{i}}","status":"published","publishedAt":"2026-03-01T00:00:00Z","bodyMarkdown":"Ropes."}""");
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n").Concat(new byte[] { 0xC3, 0x28, 0xFF }).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());

        // The first batch was written (and waited for); the rest was never handed out, and the end's fill did not run.
        Assert.That(await SqlAsync<long>("select count(*) from articles where slug like 'pier-%'"), Is.EqualTo(ArticleImporterBatch));
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.EqualTo(ArticleImporterBatch), "the batch's rows left to the fill");
        Assert.That(await SqlAsync<long>(ImportLocks), Is.Zero, "the import's lock released");
        Assert.That(await FillAsync(), Is.EqualTo(ArticleImporterBatch));
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.Zero);
    }

    private const int ArticleImporterBatch = HeadlessNews.Api.Features.Transfer.ArticleImporter.BatchSize;

    private static readonly string ImportLocks = $"""
        select count(*) from pg_locks
        where locktype = 'advisory' and (classid::bigint << 32 | objid::bigint) = {RecentBodies.ImportLockKey}
        """;

    private static Task<string[]> CopiedAsync() => SqlAsync<string[]>(
        "select coalesce(array_agg(a.slug order by a.slug), '{}') from article_search_recent r join articles a on a.id = r.article_id");

    private static async Task<int?> FillAsync(bool evenWhileImporting = false)
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        return await RecentBodies.FillAsync(connection, CancellationToken.None, evenWhileImporting);
    }

    private async Task<string[]> SlugsFoundAsync(string words)
    {
        var page = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/articles?q={Uri.EscapeDataString(words)}"));
        return [.. page["items"]!.AsArray().Select(i => i!["slug"]!.GetValue<string>())];
    }
}
