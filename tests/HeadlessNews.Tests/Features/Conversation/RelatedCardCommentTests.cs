using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>Related cards carry the same comment summary as list cards: public comments counted, open as the conversation stands.</summary>
public sealed class RelatedCardCommentTests : ApiTestBase
{
    private async Task<JsonNode> CardAsync(string url, string jsonArray, string slug)
    {
        var json = await ReadJsonAsync(await Anonymous.GetAsync(url));
        return json[jsonArray]!.AsArray().Single(c => c!["slug"]!.GetValue<string>() == slug)!;
    }

    // The same card on the article page and on its related list.
    private async Task<(int Count, bool Open)> SummaryAsync(string lead, string slug)
    {
        var onPage = (await CardAsync($"/api/v1/articles/{lead}", "related", slug))["comments"]!;
        var onList = (await CardAsync($"/api/v1/articles/{lead}/related", "items", slug))["comments"]!;
        Assert.That(onList.ToJsonString(), Is.EqualTo(onPage.ToJsonString()), $"{slug}: the page and the related list disagree");
        return (onPage["count"]!.GetValue<int>(), onPage["open"]!.GetValue<bool>());
    }

    private async Task<JsonNode> PostAsync(HttpClient reader, string slug, string body, HttpStatusCode expected)
    {
        var response = await reader.PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body });
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    [Test]
    public async Task CuratedAndComputedRelatedCardsCarryCommentCountAndOpen()
    {
        await CreateTagAsync("harbour");
        var lead = await CreatePublishedAsync("lead", ["harbour"], DateTimeOffset.UtcNow.AddHours(-1));
        var curated = await CreatePublishedAsync("curated", publishAt: DateTimeOffset.UtcNow.AddHours(-3));
        var computed = await CreatePublishedAsync("computed", ["harbour"], DateTimeOffset.UtcNow.AddHours(-2));
        var version = await SqlAsync<int>("select version from articles where id = @lead", new { lead });
        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{lead}/related", new { articleIds = new[] { curated } }, version)).StatusCode,
            Is.EqualTo(HttpStatusCode.OK));
        var page = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/lead"));
        Assert.That(page["related"]!.AsArray().Select(r => r!["slug"] + "/" + r["kind"]), Is.SupersetOf(new[] { "curated/curated", "computed/computed" }));
        Assert.That(await SummaryAsync("lead", "curated"), Is.EqualTo((0, true)));
        Assert.That(await SummaryAsync("lead", "computed"), Is.EqualTo((0, true)));

        // Held comments are not counted; an approval is, on the next read (the cached page is purged).
        var settings = await SendAsync(Admin, HttpMethod.Put, "/api/v1/manage/comments/settings",
            new { preModeration = "all", trustedAfter = 1, bannedWords = Array.Empty<string>(), suspectWords = Array.Empty<string>(), maxLinks = 3, autoCloseAfterDays = (int?)null });
        Assert.That(settings.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var reader = ReaderClient("neighbour");
        var held = await PostAsync(reader, "curated", "About the curated one", HttpStatusCode.Accepted);
        var heldToo = await PostAsync(reader, "computed", "About the computed one", HttpStatusCode.Accepted);
        Assert.That(await SummaryAsync("lead", "curated"), Is.EqualTo((0, true)));
        Assert.That((await Admin.PostAsync($"/api/v1/manage/comments/{held["id"]}/approve", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SummaryAsync("lead", "curated"), Is.EqualTo((1, true)));
        Assert.That(await SummaryAsync("lead", "computed"), Is.EqualTo((0, true)));
        Assert.That((await Admin.PostAsync($"/api/v1/manage/comments/{heldToo["id"]}/approve", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SummaryAsync("lead", "computed"), Is.EqualTo((1, true)));
        // A rejection takes the comment out of the count again.
        Assert.That((await Admin.PostAsJsonAsync($"/api/v1/manage/comments/{held["id"]}/reject", new { reason = "No." })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SummaryAsync("lead", "curated"), Is.EqualTo((0, true)));

        // open follows the article's conversation: closed by an editor, and closed by the site's auto-close rule.
        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{computed}/conversation", new { state = "closed" })).StatusCode,
            Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SummaryAsync("lead", "computed"), Is.EqualTo((1, false)));
        Assert.That(await SummaryAsync("lead", "curated"), Is.EqualTo((0, true)));
        await SqlAsync<int>("update articles set published_at = now() - interval '5 days' where id = @curated returning 1", new { curated });
        settings = await SendAsync(Admin, HttpMethod.Put, "/api/v1/manage/comments/settings",
            new { preModeration = "all", trustedAfter = 1, bannedWords = Array.Empty<string>(), suspectWords = Array.Empty<string>(), maxLinks = 3, autoCloseAfterDays = 2 });
        Assert.That(settings.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SummaryAsync("lead", "curated"), Is.EqualTo((0, false)));
        // The management API's curated list shows the same summary.
        var manage = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{lead}/related"));
        Assert.That(manage["items"]![0]!["comments"]!.ToJsonString(), Is.EqualTo("""{"open":false,"count":0}"""));
    }
}
