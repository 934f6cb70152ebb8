using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace HeadlessNews.Tests.Features.Conversation;

public sealed class ReaderAuthTests : ApiTestBase
{
    private static Task<HttpResponseMessage> PostWithAsync(string token, string slug = "signed-in") =>
        ClientWithKey(token).PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body = "Hello" });

    [Test]
    public async Task ATokensOwnRoleKeyAndQuotaClaimsGiveNothing()
    {
        await CreatePublishedAsync("signed-in");
        var adminKeyId = await SqlAsync<Guid>("select id from api_keys where role = 'admin' limit 1");
        var token = ReaderTokenMint.Create("claims-too-much", extra: new Dictionary<string, object>
        {
            [System.Security.Claims.ClaimTypes.Role] = "admin",
            ["role"] = "admin",
            [System.Security.Claims.ClaimTypes.NameIdentifier] = adminKeyId.ToString(),
            ["headlessnews:requests_per_minute"] = "1000000",
        });
        var client = ClientWithKey(token);
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/v1/manage/articles"), (HttpMethod.Get, "/api/v1/manage/keys"),
                     (HttpMethod.Get, "/api/v1/manage/comments"), (HttpMethod.Get, "/api/v1/manage/audit") })
            await AssertProblemAsync(await client.SendAsync(new HttpRequestMessage(method, path)), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/manage/tags", new { name = "Injected", slug = "injected" }), HttpStatusCode.Forbidden);
        Assert.That(await SqlAsync<long>("select count(*) from tags where slug = 'injected'"), Is.EqualTo(0));
        // Still a reader like any other.
        Assert.That((await PostWithAsync(token)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task EveryRefusedTokenGetsTheSame401AndChangesNothing()
    {
        await CreatePublishedAsync("signed-in");
        var before = await SnapshotAsync();
        var otherKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes("another-secret-that-is-also-32-bytes-long"));
        var bad = new Dictionary<string, string>
        {
            ["unknown issuer"] = ReaderTokenMint.Create("x", issuer: "https://evil.test"),
            ["another audience"] = ReaderTokenMint.Create("x", audience: "someone-else"),
            ["expired"] = ReaderTokenMint.Create("x", expires: DateTime.UtcNow.AddMinutes(-5)),
            ["no expiry"] = ReaderTokenMint.Create("x", withExpiry: false),
            ["wrong algorithm (HS512)"] = ReaderTokenMint.Create("x", algorithm: SecurityAlgorithms.HmacSha512,
                key: new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(HeadlessNewsApiFactory.ReaderSigningKey + HeadlessNewsApiFactory.ReaderSigningKey))),
            ["alg none"] = ReaderTokenMint.Unsigned("x"),
            ["another key"] = ReaderTokenMint.Create("x", key: otherKey),
            ["garbage"] = "eyJhbGciOiJIUzI1NiJ9.not-base64.x",
        };
        string? expected = null;
        foreach (var (what, token) in bad)
        {
            var response = await PostWithAsync(token);
            var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"), what);
            var shape = problem["title"] + "|" + problem["detail"];
            expected ??= shape;
            Assert.That(shape, Is.EqualTo(expected), what);
        }
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
        Assert.That(await SqlAsync<long>("select count(*) from readers"), Is.EqualTo(0));
    }

    [Test]
    public async Task TheFirstValidTokenCreatesTheReaderAndLaterOnesKeepItCurrent()
    {
        await CreatePublishedAsync("signed-in");
        Assert.That((await PostWithAsync(ReaderTokenMint.Create("sub-1", "First Name", "one@example.org"))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var me = ClientWithKey(ReaderTokenMint.Create("sub-1", "Second Name"));
        Assert.That((await me.GetAsync("/api/v1/me/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from readers"), Is.EqualTo(1));
        Assert.That(await SqlAsync<string>("select display_name from readers"), Is.EqualTo("Second Name"));
        var list = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/signed-in/comments"));
        Assert.That(list["items"]![0]!["author"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Second Name"));
    }

    [Test]
    public async Task ATokenOnPublicReadsStoresNothingAboutItsReader()
    {
        await CreatePublishedAsync("signed-in");
        var reader = ReaderClient("only-reads", "Only Reads", "reads@example.org");
        Assert.That((await reader.GetAsync("/api/v1/articles/signed-in")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await reader.GetAsync("/api/v1/articles/signed-in/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await reader.GetAsync("/api/v1/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from readers where subject = 'only-reads'"), Is.EqualTo(0),
            "a reader who only reads leaves no name or email behind");
        Assert.That((await reader.GetAsync("/api/v1/me/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from readers where subject = 'only-reads'"), Is.EqualTo(1), "a reader operation records the reader");
    }

    [Test]
    public async Task StaffTokensCarryTheBadge()
    {
        await CreatePublishedAsync("signed-in");
        var response = await ReaderClient("desk", "News desk", staff: true).PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "From the desk" });
        Assert.That((await ReadJsonAsync(response))["author"]!["staff"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task ApiKeysAndReaderTokensStayInTheirOwnLanes()
    {
        await CreatePublishedAsync("signed-in");
        // An API key is no reader token, and a reader token is no key.
        await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "Admin here" }), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Anonymous.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "Anyone" }), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/me/comments"), HttpStatusCode.Unauthorized);
        var reader = ReaderClient("lane");
        await AssertProblemAsync(await reader.GetAsync("/api/v1/manage/comments"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.GetAsync("/api/v1/manage/articles"), HttpStatusCode.Forbidden);
        // Both kinds work side by side on public reads.
        Assert.That((await reader.GetAsync("/api/v1/articles/signed-in/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Admin.GetAsync("/api/v1/manage/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ABannedReadersTokensAreRefusedWith403UntilTheBanIsLifted()
    {
        await CreatePublishedAsync("signed-in");
        var reader = ReaderClient("troll", "Troll");
        var posted = await ReadJsonAsync(await reader.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "Provocation" }));
        var readerId = posted["author"]!["id"]!.GetValue<Guid>();

        var ban = await Admin.PostAsJsonAsync($"/api/v1/manage/readers/{readerId}/ban", new { reason = "Repeated abuse." });
        Assert.That(ban.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ban.Content.ReadAsStringAsync());
        Assert.That((await ReadJsonAsync(ban))["bannedUntil"], Is.Not.Null);

        var problem = await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "Again" }), HttpStatusCode.Forbidden);
        Assert.That(problem["detail"]!.ToString(), Does.Contain("banned"));
        // A ban stops taking part, not seeing one's own data or taking one's words back.
        Assert.That((await reader.GetAsync("/api/v1/me/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await reader.GetAsync("/api/v1/me/export")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await reader.DeleteAsync($"/api/v1/comments/{posted["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/readers/{readerId}/ban")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await reader.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "Calmer now" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));

        // A ban for a time ends by itself.
        var until = DateTimeOffset.UtcNow.AddDays(1);
        Assert.That((await Admin.PostAsJsonAsync($"/api/v1/manage/readers/{readerId}/ban", new { reason = "Cool off.", until })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "During the pause" }), HttpStatusCode.Forbidden);
        await SqlAsync<int>("update readers set banned_until = now() - interval '1 minute' returning 1");
        Assert.That((await reader.PostAsJsonAsync("/api/v1/articles/signed-in/comments", new { body = "After the pause" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }
}
