using System.Net;
using System.Net.Http.Headers;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Keys;

/// <summary>
/// Authentication runs for requests that carry an Authorization header and for no others (anonymous reads are most
/// of the traffic, and without the header both schemes could only say "no result"). The handlers are counted where
/// ASP.NET Core asks for them, on an instance of its own.
/// </summary>
public sealed class CredentialedAuthenticationTests : ApiTestBase
{
    private sealed class HandlerRequests
    {
        public int Count;
    }

    private sealed class CountingHandlerProvider(IAuthenticationHandlerProvider inner, HandlerRequests requests) : IAuthenticationHandlerProvider
    {
        public Task<IAuthenticationHandler?> GetHandlerAsync(HttpContext context, string authenticationScheme)
        {
            Interlocked.Increment(ref requests.Count);
            return inner.GetHandlerAsync(context, authenticationScheme);
        }
    }

    private WebApplicationFactory<Program> _api = null!;
    private HandlerRequests _requests = null!;

    [SetUp]
    public void StartInstance()
    {
        _requests = new HandlerRequests();
        _api = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString).WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            s.AddSingleton(_requests);
            s.AddScoped<IAuthenticationHandlerProvider>(sp => new CountingHandlerProvider(
                new AuthenticationHandlerProvider(sp.GetRequiredService<IAuthenticationSchemeProvider>()), sp.GetRequiredService<HandlerRequests>()));
        }));
    }

    [TearDown]
    public async Task StopInstanceAsync() => await _api.DisposeAsync();

    [Test]
    public async Task AnonymousReadsAskNoHandlerAndCredentialedOnesAreAuthenticatedAsBefore()
    {
        await CreatePublishedAsync("quiet-harbour");
        using var client = _api.CreateClient();

        // WebApplication would add an authentication of its own in front of everything if it were not told one is set.
        Assert.That((await client.GetAsync("/api/v1/articles/quiet-harbour")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.GetAsync("/api/v1/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/v1/articles/quiet-harbour"))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_requests.Count, Is.Zero, "handlers asked for anonymous reads");

        // Protected endpoints still turn the anonymous away, with the API key scheme's challenge.
        var anonymous = await client.GetAsync("/api/v1/manage/articles");
        var challenge = await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        Assert.That(challenge["detail"]!.GetValue<string>(), Does.Contain("valid API key"));
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"));

        // A key is authenticated on a public read and on a protected one; a malformed header is refused where a key is needed.
        var asked = _requests.Count;
        var keyed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles/quiet-harbour");
        keyed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
        Assert.That((await client.SendAsync(keyed)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_requests.Count, Is.GreaterThan(asked), "handlers asked for a request with a key");

        var managed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/manage/articles");
        managed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
        Assert.That((await client.SendAsync(managed)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var malformed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/manage/articles");
        malformed.Headers.TryAddWithoutValidation("Authorization", "Basic Zm9vOmJhcg==");
        await AssertProblemAsync(await client.SendAsync(malformed), HttpStatusCode.Unauthorized);
    }
}
