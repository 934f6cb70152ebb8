using System.Net;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features;

public sealed class CorsAndCompressionTests : ApiTestBase
{
    private static HttpRequestMessage Preflight(string url, string origin, string method, string headers = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers.Length > 0)
            request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    [Test]
    public async Task DeliveryIsOpenToAnyOriginAndExposesItsValidators()
    {
        await CreatePublishedAsync("open");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles/open");
        request.Headers.Add("Origin", "https://frontend.example");

        var response = await Anonymous.SendAsync(request);

        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("*"));
        Assert.That(response.Headers.GetValues("Access-Control-Expose-Headers").Single(), Does.Contain("ETag").And.Contain("Link"));
        var preflight = await Anonymous.SendAsync(Preflight("/api/v1/articles", "https://frontend.example", "GET", "if-none-match"));
        Assert.That(preflight.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(preflight.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("*"));
    }

    [Test]
    public async Task ManagementIsNotCrossOriginUnlessConfigured()
    {
        var refused = await Anonymous.SendAsync(Preflight("/api/v1/manage/articles", "https://evil.example", "POST", "authorization,content-type"));
        Assert.That(refused.Headers.Contains("Access-Control-Allow-Origin"), Is.False);

        await using var configured = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:Cors:ManagementOrigins:0"] = "https://cms.example",
            ["HeadlessNews:Cors:DeliveryOrigins:0"] = "https://site.example",
        });
        using var client = configured.CreateClient();
        var allowed = await client.SendAsync(Preflight("/api/v1/manage/articles", "https://cms.example", "POST", "authorization,content-type,if-match"));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("https://cms.example"));
        var otherSite = await client.SendAsync(Preflight("/api/v1/articles", "https://elsewhere.example", "GET"));
        Assert.That(otherSite.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    [TestCase("br")]
    [TestCase("gzip")]
    public async Task ResponsesAreCompressedWhenTheClientAsks(string encoding)
    {
        for (var i = 0; i < 5; i++)
            await CreatePublishedAsync($"story-{i}");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles");
        request.Headers.Add("Accept-Encoding", encoding);

        var response = await Anonymous.SendAsync(request);

        Assert.That(response.Content.Headers.ContentEncoding, Is.EqualTo(new[] { encoding }));
        Assert.That(response.Headers.Vary, Does.Contain("Accept-Encoding"));
    }
}
