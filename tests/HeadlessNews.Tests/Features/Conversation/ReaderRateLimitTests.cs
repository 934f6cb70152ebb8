using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>Each reader has a write limit of their own, apart from the limits per key and address.</summary>
public sealed class ReaderRateLimitTests : ApiTestBase
{
    [Test]
    public async Task AReaderOverTheLimitGets429WhileAnotherReaderStillPosts()
    {
        await CreatePublishedAsync("limited");
        await using var app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString,
            new Dictionary<string, string?> { ["HeadlessNews:Comments:PerReaderPerMinute"] = "3" });
        HttpClient Reader(string subject)
        {
            var client = app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", ReaderTokenMint.Create(subject));
            return client;
        }
        var busy = Reader("busy");
        for (var i = 0; i < 3; i++)
            Assert.That((await busy.PostAsJsonAsync("/api/v1/articles/limited/comments", new { body = $"Message {i}" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var refused = await busy.PostAsJsonAsync("/api/v1/articles/limited/comments", new { body = "One too many" });
        var problem = await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
        Assert.That(problem["detail"]!.ToString(), Does.Contain("reader"));
        Assert.That((await Reader("calm").PostAsJsonAsync("/api/v1/articles/limited/comments", new { body = "My first" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // Reading is not limited by it.
        Assert.That((await busy.GetAsync("/api/v1/me/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from comments"), Is.EqualTo(4));
    }
}
