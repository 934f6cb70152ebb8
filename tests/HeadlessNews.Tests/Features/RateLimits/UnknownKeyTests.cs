using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.RateLimits;

/// <summary>
/// Made-up keys in the issued format cost at most a client's allowance of database lookups; the lookups are counted
/// where the API makes them. Clients are told apart by the address a test middleware sets from a header, since the
/// in-memory server has none.
/// </summary>
public sealed class UnknownKeyTests : ApiTestBase
{
    private const int Allowance = 5;
    private WebApplicationFactory<Program> _api = null!;

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                if (http.Request.Headers.TryGetValue("X-Test-Client", out var address))
                    http.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                return following(http);
            });
            next(app);
        };
    }

    private static WebApplicationFactory<Program> Instance(bool shared = false) =>
        new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:RateLimits:UnknownKeysPerMinute"] = Allowance.ToString(),
            ["HeadlessNews:RateLimits:Shared"] = shared ? "true" : "false",
        }).WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter, ClientAddressFromHeader>()));

    [SetUp]
    public void StartInstance() => _api = Instance();

    [TearDown]
    public async Task StopInstanceAsync() => await _api.DisposeAsync();

    private HttpRequestMessage Request(string client, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/manage/articles");
        request.Headers.Add("X-Test-Client", client);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    [Test]
    public async Task ABurstOfRandomWellFormedKeysCostsAtMostTheClientsAllowanceOfLookupsAndOtherClientsKeepWorking()
    {
        var created = await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "Night desk", role = "editor" });
        var valid = (await ReadJsonAsync(created))["key"]!.GetValue<string>();
        var unknownKeys = _api.Services.GetRequiredService<UnknownKeys>();
        using var client = _api.CreateClient();
        var before = unknownKeys.Lookups;

        // A burst of 200 made-up keys from one address, all at once.
        var guesses = Enumerable.Range(0, 200).Select(_ => ApiKeyAuth.NewKey()).ToList();
        var answers = await Task.WhenAll(guesses.Select(key => client.SendAsync(Request("203.0.113.7", key))));

        Assert.That(unknownKeys.Lookups - before, Is.EqualTo(Allowance), "database lookups for the burst");
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized), Is.EqualTo(Allowance));
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests), Is.EqualTo(200 - Allowance));
        var problem = await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("unknown API keys"));
        Assert.That(refused.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThanOrEqualTo(1));

        // A key already found missing is refused again without a lookup, from any address.
        var missed = guesses[answers.ToList().FindIndex(a => a.StatusCode == HttpStatusCode.Unauthorized)];
        var again = await client.SendAsync(Request("198.51.100.20", missed));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(unknownKeys.Lookups - before, Is.EqualTo(Allowance), "a missed key is not looked up again");

        // Another client's real key works, and so does a fresh guess from it (its own allowance).
        Assert.That((await client.SendAsync(Request("198.51.100.4", valid))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.SendAsync(Request("198.51.100.4", ApiKeyAuth.NewKey()))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        // A key seen valid is not held up by the guesses made from its client's address.
        Assert.That((await client.SendAsync(Request("203.0.113.7", valid))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(unknownKeys.Lookups - before, Is.EqualTo(Allowance + 3));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task TwoInstancesTogetherLookUpOneAllowanceOfUnknownKeysWhenShared(bool shared)
    {
        await using var one = Instance(shared);
        await using var two = Instance(shared);
        using var first = one.CreateClient();
        using var second = two.CreateClient();
        var counters = new[] { one.Services.GetRequiredService<UnknownKeys>(), two.Services.GetRequiredService<UnknownKeys>() };
        var before = counters.Sum(c => c.Lookups);
        // One client's guesses, taking turns between the instances (as a round-robin edge would send them).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4 * Allowance; i++)
            statuses.Add((await (i % 2 == 0 ? first : second).SendAsync(Request("203.0.113.9", ApiKeyAuth.NewKey()))).StatusCode);

        // The allowance refills one lookup every 12 s; a slow run may earn one more per instance.
        var expected = shared ? Allowance : 2 * Allowance;
        Assert.That(counters.Sum(c => c.Lookups) - before, Is.InRange(expected, expected + (shared ? 1 : 2)), "database lookups of unknown keys");
        Assert.That(statuses.Count(s => s == HttpStatusCode.Unauthorized), Is.EqualTo(counters.Sum(c => c.Lookups) - before));
        Assert.That(statuses.Count(s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests)), Is.Zero);
        if (shared)
            Assert.That(counters.Select(c => c.Lookups).Min(), Is.GreaterThan(0), "both instances looked keys up, from one allowance");
    }
}
