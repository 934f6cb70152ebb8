using System.Net;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Faults;

/// <summary>
/// Editors working at once on articles that share title words: publishing and editing each refreshes the text-
/// similarity links of the others, which used to deadlock in PostgreSQL and answer 500.
/// </summary>
public sealed class ConcurrentEditorTests : ApiTestBase
{
    [Test]
    public async Task ConcurrentPublishesAndEditsOfRelatedArticlesAllSucceed()
    {
        const int count = 16;
        var ids = new List<(Guid Id, int Version)>();
        for (var i = 0; i < count; i++)
            ids.Add(await CreateArticleAsync($"harbour-strike-day-{i}", extra: new { title = $"Harbour strike enters day {i} as talks stall" }));

        async Task<HttpStatusCode> PublishThenEditAsync(Guid id, int version, int i)
        {
            var published = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish", null, version);
            if (published.StatusCode != HttpStatusCode.OK)
                return published.StatusCode;
            var edited = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
                new { slug = $"harbour-strike-day-{i}", title = $"Harbour strike talks stall on day {i}" }, version + 1);
            return edited.StatusCode;
        }

        for (var round = 0; round < 3; round++)
        {
            var answers = await Task.WhenAll(ids.Select((a, i) => PublishThenEditAsync(a.Id, a.Version, i)));
            Assert.That(answers, Is.All.EqualTo(HttpStatusCode.OK), $"round {round}");
            for (var i = 0; i < count; i++)
                ids[i] = (ids[i].Id, ids[i].Version + 2);
        }
        Assert.That(await SqlAsync<long>("select count(*) from text_neighbours"), Is.GreaterThan(0));
    }
}
