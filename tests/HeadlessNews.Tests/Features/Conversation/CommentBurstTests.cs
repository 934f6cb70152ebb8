using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>
/// One reader's burst of comments far above the pool's size. Each post held its pooled connection while, after
/// committing, the cache purge asked the same pool for another to tell the other instances: with every connection
/// held by a post waiting for a second one, no post ever answered.
/// </summary>
public sealed class CommentBurstTests : ApiTestBase
{
    [Test]
    public async Task ABurstOfOneReadersCommentsAbovePoolSizeIsAnsweredInFull()
    {
        await CreatePublishedAsync("busy-story");
        await using var app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString + ";Maximum Pool Size=4;Timeout=60",
            new Dictionary<string, string?> { ["HeadlessNews:Comments:PerReaderPerMinute"] = "100000" });
        using var reader = app.CreateClient();
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReaderTokenMint.Create("burst-reader"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            reader.PostAsJsonAsync("/api/v1/articles/busy-story/comments", new { body = $"Thought number {i} on the busy story." })));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created),
            string.Join(", ", responses.GroupBy(r => r.StatusCode).Select(g => $"{g.Count()}×{(int)g.Key}")));
        Assert.That(await SqlAsync<long>("select count(*) from comments"), Is.EqualTo(32));
    }
}
