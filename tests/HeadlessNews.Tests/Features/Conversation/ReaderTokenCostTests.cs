using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Tests.Features.Cluster;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>
/// A valid reader token costs no database write (and no round trip) unless something about the reader changed; bans are
/// still asked of the primary by every reader operation, so they hold at once on every instance.
/// </summary>
public sealed class ReaderTokenCostTests : ApiTestBase
{
    // The reader row as stored, down to its tuple: xmin changes with any update, xmax with any row lock (an
    // INSERT … ON CONFLICT that updates nothing still locks the row it conflicted with).
    private static Task<string> RowStateAsync(string subject) => SqlAsync<string>(
        "select xmin::text || '/' || xmax::text || '/' || last_seen_at::text || '/' || display_name from readers where subject = @subject", new { subject });

    private static async Task<Guid> PostAsync(HttpClient reader, string slug, string body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await reader.PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body });
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["author"]!["id"]!.GetValue<Guid>();
    }

    [Test]
    public async Task ReadsWithTheSameTokenNeitherWriteNorAskForTheReader()
    {
        await CreatePublishedAsync("quiet-reads");
        var known = GlobalSetup.Factory.Services.GetRequiredService<KnownReaders>();
        var reader = ReaderClient("regular", "Regular Reader");
        await PostAsync(reader, "quiet-reads", "Hello from a regular");
        var upserts = known.Upserts;
        var row = await RowStateAsync("regular");

        foreach (var url in new[] { "/api/v1/articles/quiet-reads", "/api/v1/articles/quiet-reads/comments", "/api/v1/articles/quiet-reads/related", "/api/v1/articles" })
        {
            for (var i = 0; i < 10; i++)
                Assert.That((await reader.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        }
        Assert.That((await reader.GetAsync("/api/v1/me/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(known.Upserts, Is.EqualTo(upserts), "a token already seen was looked up again");
        Assert.That(await RowStateAsync("regular"), Is.EqualTo(row), "the reader row was written or locked");

        // A changed display name is written on its first reader operation, and only then (public reads store nothing).
        var renamed = ReaderClient("regular", "Renamed Reader");
        for (var i = 0; i < 5; i++)
            Assert.That((await renamed.GetAsync("/api/v1/articles/quiet-reads/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(known.Upserts, Is.EqualTo(upserts));
        for (var i = 0; i < 5; i++)
            Assert.That((await renamed.GetAsync("/api/v1/me/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(known.Upserts, Is.EqualTo(upserts + 1));
        Assert.That(await SqlAsync<string>("select display_name from readers where subject = 'regular'"), Is.EqualTo("Renamed Reader"));
        Assert.That(await SqlAsync<long>("select count(*) from readers"), Is.EqualTo(1));
    }

    [Test]
    public async Task ManyFirstSightsOfOneReaderAtOnceAllSignIn()
    {
        await CreatePublishedAsync("first-sights");
        var reader = ReaderClient("all-at-once", "All At Once");
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => reader.GetAsync("/api/v1/me/comments")));
        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from readers where subject = 'all-at-once'"), Is.EqualTo(1));
    }

    [Test]
    public async Task ABanMadeOnOneInstanceIsRefusedOnTheNextWriteOnAnother()
    {
        await using var other = SecondInstance.Start();
        await CreatePublishedAsync("roaming");
        var reader = other.Factory.CreateClient();
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReaderTokenMint.Create("roamer", "Roamer"));
        var readerId = await PostAsync(reader, "roaming", "First from the other instance");
        var mine = await ReadJsonAsync(await reader.GetAsync("/api/v1/me/comments"));
        var commentId = mine["items"]![0]!["id"]!.GetValue<Guid>();
        var otherComment = await ReadJsonAsync(await ReaderClient("bystander").PostAsJsonAsync("/api/v1/articles/roaming/comments", new { body = "A bystander" }));
        var known = other.Factory.Services.GetRequiredService<KnownReaders>();
        var upserts = known.Upserts;

        var ban = await Admin.PostAsJsonAsync($"/api/v1/manage/readers/{readerId}/ban", new { reason = "Abuse." });
        Assert.That(ban.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var refused = await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/roaming/comments", new { body = "Second try" }), HttpStatusCode.Forbidden);
        Assert.That(refused["detail"]!.ToString(), Does.Contain("banned"));
        await AssertProblemAsync(await reader.PutAsJsonAsync($"/api/v1/comments/{commentId}", new { body = "Edited while banned" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.PostAsJsonAsync($"/api/v1/comments/{otherComment["id"]}/reports", new { reason = "spam" }), HttpStatusCode.Forbidden);
        // What is stored about them stays theirs to see.
        Assert.That((await reader.GetAsync("/api/v1/me/export")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // Public reads go on as for anyone.
        Assert.That((await reader.GetAsync("/api/v1/articles/roaming/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from comments where reader_id = @readerId", new { readerId }), Is.EqualTo(1));
        Assert.That(known.Upserts, Is.EqualTo(upserts), "the other instance learned of the ban from the primary, not by signing the reader in again");

        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/readers/{readerId}/ban")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await PostAsync(reader, "roaming", "Back again");
    }

    [Test]
    public async Task AnErasedReadersTokenSignsInAsANewReaderOnEveryInstance()
    {
        await using var other = SecondInstance.Start();
        await CreatePublishedAsync("erased-and-back");
        var token = ReaderTokenMint.Create("phoenix", "Phoenix");
        var here = ClientWithKey(token);
        var there = other.Factory.CreateClient();
        there.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var first = await PostAsync(here, "erased-and-back", "Before");
        Assert.That(await PostAsync(there, "erased-and-back", "Before, there"), Is.EqualTo(first));

        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/readers/{first}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var again = await PostAsync(there, "erased-and-back", "After");
        Assert.That(again, Is.Not.EqualTo(first));
        Assert.That(await PostAsync(here, "erased-and-back", "After, here"), Is.EqualTo(again));
        Assert.That(await SqlAsync<long>("select count(*) from readers"), Is.EqualTo(1));
        var export = await ReadJsonAsync(await here.GetAsync("/api/v1/me/export"));
        Assert.That(export["comments"]!.AsArray(), Has.Count.EqualTo(2), "only what the new reader wrote");
    }
}
