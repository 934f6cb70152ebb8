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
/// an import's batches): their inserts add no row there and their updates drop the article's row. RecentBodies.FillAsync
/// adds what the copy's rules say it lacks, unless an import holds it off, and an import fills it when it ends.
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
    public async Task WritesThatDeferTheCopyLeaveItBehindAndAFillBringsItBackUnlessAnImportHoldsItOff()
    {
        await CreatePublishedAsync("lantern-kept");
        await CreatePublishedAsync("lantern-edited");
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.Zero, "written outside an import: copied at once");

        // One transaction, as an import's batch: a new article, an edit of a copied one.
        await SqlAsync<string>("""
            select set_config('headlessnews.defer_search_copy', 'on', true);
            insert into articles (slug, title, body_markdown, status, published_at)
            values ('lantern-new', 'A new lantern', 'Lit at dusk.', 'published', now() - interval '1 minute');
            update articles set body_markdown = 'Lit at dawn instead.' where slug = 'lantern-edited';
            """);
        Assert.That(await CopiedAsync(), Is.EqualTo(new[] { "lantern-kept" }), "the new one left out, the edited one's row dropped");

        // A write after that transaction is copied again.
        await CreatePublishedAsync("lantern-later");
        Assert.That(await CopiedAsync(), Is.EqualTo(new[] { "lantern-kept", "lantern-later" }));

        await using (var import = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
        {
            await import.OpenAsync();
            await using (var hold = new NpgsqlCommand($"select pg_advisory_lock_shared({RecentBodies.ImportLockKey})", import))
                await hold.ExecuteNonQueryAsync();
            Assert.That(await FillAsync(), Is.Null, "an import is writing: it fills the copy itself when it ends");
            Assert.That(await CopiedAsync(), Has.Length.EqualTo(2));
        }

        Assert.That(await FillAsync(), Is.EqualTo(2));
        Assert.That(await SqlAsync<long>(CopyDiffers), Is.Zero, "the rows added as their articles now stand");
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
        Assert.That(await SlugsFoundAsync("gone"), Is.Empty, "the draft is not found");
    }

    private static Task<string[]> CopiedAsync() => SqlAsync<string[]>(
        "select coalesce(array_agg(a.slug order by a.slug), '{}') from article_search_recent r join articles a on a.id = r.article_id");

    private static async Task<int?> FillAsync()
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        return await RecentBodies.FillAsync(connection, CancellationToken.None);
    }

    private async Task<string[]> SlugsFoundAsync(string words)
    {
        var page = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/articles?q={Uri.EscapeDataString(words)}"));
        return [.. page["items"]!.AsArray().Select(i => i!["slug"]!.GetValue<string>())];
    }
}
