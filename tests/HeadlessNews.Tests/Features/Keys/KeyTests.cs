using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Keys;

public sealed class KeyTests : ApiTestBase
{
    [Test]
    public async Task CreatingAKeyShowsTheSecretOnceAndStoresOnlyItsHash()
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "Wire partner", role = "editor" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var created = await ReadJsonAsync(response);
        var secret = created["key"]!.ToString();
        Assert.That(secret, Does.StartWith("hn_").And.Length.GreaterThan(40));
        Assert.That(created["role"]!.ToString(), Is.EqualTo("editor"));

        var list = (await Admin.GetStringAsync("/api/v1/manage/keys"));
        Assert.That(list, Does.Contain("Wire partner").And.Not.Contain(secret));
        var storedAnywhere = await SqlAsync<bool>("select exists (select 1 from api_keys k where k::text like '%' || @secret || '%')", new { secret });
        Assert.That(storedAnywhere, Is.False);

        using var editor = ClientWithKey(secret);
        Assert.That((await editor.GetAsync("/api/v1/manage/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task MissingUnknownMalformedAndRevokedKeysAllGetTheSame401()
    {
        var created = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "Short-lived", role = "admin" }));
        var revoke = await Admin.DeleteAsync($"/api/v1/manage/keys/{created["id"]}");
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var bodies = new List<string>();
        foreach (var header in new string?[] { null, "Bearer hn_unknown", "Basic dXNlcjpwYXNz", "Bearer", $"Bearer {created["key"]}", "Bearer \u00e9\u00e9" })
        {
            using var client = GlobalSetup.Factory.CreateClient();
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/manage/articles");
            if (header is not null)
                request.Headers.TryAddWithoutValidation("Authorization", header);
            var response = await client.SendAsync(request);
            var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("Bearer"));
            bodies.Add(problem["title"] + "|" + problem["detail"]);
        }
        Assert.That(bodies.Distinct(), Has.Exactly(1).Items);
    }

    [Test]
    public async Task KeysThatCannotHaveBeenIssuedAreRefusedWithoutTheDatabase()
    {
        string[] madeUp = ["hn_unknown", "hn_" + new string('a', 42), "hn_" + new string('a', 44), "xx_" + new string('a', 43), "hn_" + new string('a', 42) + "=", "guess"];
        var wellFormed = "hn_" + new string('a', 43);

        // With the database down, a lookup shows as a 503: a refusal without one is a 401.
        await GlobalSetup.Database.StopAsync();
        try
        {
            foreach (var key in madeUp)
            {
                using var client = ClientWithKey(key);
                await AssertProblemAsync(await client.GetAsync("/api/v1/manage/audit"), HttpStatusCode.Unauthorized);
            }
            using var plausible = ClientWithKey(wellFormed);
            await AssertProblemAsync(await plausible.GetAsync("/api/v1/manage/audit"), HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await GlobalSetup.Database.StartAsync();
        }

        // The bootstrap key from configuration has no issued form and still works.
        Assert.That((await Admin.GetAsync("/api/v1/manage/keys")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task RolesLimitWhatAKeyMayDo()
    {
        var reader = await ClientWithRoleAsync("reader");
        var partner = await ClientWithRoleAsync("partner");
        var editor = await ClientWithRoleAsync("editor");
        var (id, _) = await CreateArticleAsync("guarded");

        Assert.That((await reader.GetAsync($"/api/v1/manage/articles/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "x", title = "x" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "x", name = "x", kind = "topic" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await partner.GetAsync($"/api/v1/manage/articles/{id}"), HttpStatusCode.Forbidden);
        Assert.That((await partner.GetAsync("/api/v1/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await editor.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "y", title = "y" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await AssertProblemAsync(await editor.PostAsJsonAsync("/api/v1/manage/keys", new { name = "escalate", role = "admin" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await editor.GetAsync("/api/v1/manage/keys"), HttpStatusCode.Forbidden);
    }

    [TestCase("key")]
    [TestCase("api_key")]
    [TestCase("access_token")]
    public async Task AKeyInTheQueryStringIsRefused(string parameter)
    {
        var response = await Anonymous.GetAsync($"/api/v1/manage/articles?{parameter}={HeadlessNewsApiFactory.BootstrapAdminKey}");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["detail"]!.ToString(), Does.Contain("Authorization header"));
    }

    [Test]
    public async Task KeysNeverReachTheLogs()
    {
        var created = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "Logged?", role = "editor" }));
        var secret = created["key"]!.ToString();

        await Anonymous.GetAsync($"/api/v1/articles?key={secret}");
        await Anonymous.GetAsync($"/api/v1/manage/articles?api_key={secret}&limit=5");
        using var wrong = ClientWithKey(secret + "x");
        await wrong.GetAsync("/api/v1/manage/articles");
        using var right = ClientWithKey(secret);
        await right.GetAsync("/api/v1/manage/articles");

        Assert.That(CapturedLogs.Instance.Lines, Is.Not.Empty);
        Assert.That(CapturedLogs.Instance.Lines.Where(l => l.Contains(secret, StringComparison.Ordinal)), Is.Empty);
        Assert.That(CapturedLogs.Instance.Lines.Where(l => l.Contains(HeadlessNewsApiFactory.BootstrapAdminKey, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task InvalidKeyRequestsAnswer400AndCreateNothing()
    {
        var before = await SnapshotAsync();
        var problem = await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "", role = "superuser" }), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EquivalentTo(new[] { "name", "role" }));
        await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/keys/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }
}
