using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>Documented answers of the conversation's operations that their feature tests do not happen to provoke.</summary>
public sealed class ConversationAnswerTests : ApiTestBase
{
    [Test]
    public async Task EveryConversationOperationRefusesAnApiKeyInTheQueryString()
    {
        var article = await CreatePublishedAsync("query-keys");
        var reader = ReaderClient("query-reader");
        var comment = await ReadJsonAsync(await reader.PostAsJsonAsync("/api/v1/articles/query-keys/comments", new { body = "Hello" }));
        var readerId = comment["author"]!["id"]!.GetValue<Guid>();
        foreach (var (client, method, path) in new[]
                 {
                     (Anonymous, HttpMethod.Get, $"/api/v1/comments/{comment["id"]}"),
                     (reader, HttpMethod.Delete, $"/api/v1/comments/{comment["id"]}"),
                     (reader, HttpMethod.Get, "/api/v1/me/export"),
                     (Admin, HttpMethod.Delete, $"/api/v1/manage/comments/{comment["id"]}/feature"),
                     (Admin, HttpMethod.Get, "/api/v1/manage/comments/settings"),
                     (Admin, HttpMethod.Get, $"/api/v1/manage/articles/{article}/conversation"),
                     (Admin, HttpMethod.Get, $"/api/v1/manage/readers/{readerId}"),
                     (Admin, HttpMethod.Delete, $"/api/v1/manage/readers/{readerId}"),
                     (Admin, HttpMethod.Delete, $"/api/v1/manage/readers/{readerId}/ban"),
                 })
        {
            var problem = await AssertProblemAsync(await client.SendAsync(new HttpRequestMessage(method, path + "?api_key=secret")), HttpStatusCode.BadRequest);
            Assert.That(problem["errors"]!["api_key"], Is.Not.Null, path);
        }
        Assert.That(await SqlAsync<long>("select count(*) from readers"), Is.EqualTo(1), "nothing was erased");
    }
}
