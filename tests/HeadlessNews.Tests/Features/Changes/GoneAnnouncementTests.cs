using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Changes;

/// <summary>
/// When a write takes a public article out of view, partners are told with the article as they last saw it: the
/// write's new content (a new title, slug or publish time) may be the next embargoed version of the story.
/// </summary>
[RunsInBackground(Background.Webhooks)]
public sealed class GoneAnnouncementTests : ApiTestBase
{
    private WebhookReceiver _receiver = null!;

    [SetUp]
    public async Task SubscribeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new
        {
            url = _receiver.Url,
            events = new[] { "article.published", "article.updated", "article.unpublished", "article.archived", "article.deleted", "tag.created" },
        });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [TearDown]
    public async Task StopAsync() => await _receiver.DisposeAsync();

    private async Task<HttpResponseMessage> ImportAsync(string line)
    {
        var content = new StringContent(line, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return response;
    }

    private async Task<string> ChangeFeedEndAsync() =>
        (await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes?limit=500")))["nextSince"]!.GetValue<string>();

    private async Task<string> EverythingPartnersSeeAsync(string since)
    {
        var bodies = string.Join('\n', _receiver.Requests.Select(r => r.Body));
        return bodies + await Anonymous.GetStringAsync($"/api/v1/changes?limit=500&since={since}");
    }

    [TestCase("draft", "article.unpublished")]
    [TestCase("archived", "article.archived")]
    [TestCase("scheduled", "article.unpublished")]
    public async Task AnImportLineThatHidesAPublicArticleAnnouncesItWithWhatThePublicSaw(string status, string expected)
    {
        var id = await CreatePublishedAsync("harbour-reopens");
        Assert.That(await _receiver.WaitForAsync(1), Has.Count.EqualTo(1));
        var since = await ChangeFeedEndAsync();
        var at = status == "scheduled" ? DateTimeOffset.UtcNow.AddDays(3).ToString("O") : null;
        await ImportAsync($$"""{"id":"{{id}}","slug":"minister-quits-kestrelbay","title":"Minister quits over Kestrelbay","summary":"Kestrelbay embargo.","status":"{{status}}","publishedAt":{{(at is null ? "null" : $"\"{at}\"")}}}""");

        var gone = (await _receiver.WaitForAsync(2)).Last();
        Assert.That(gone.Type, Is.EqualTo(expected));
        var card = gone.Data["article"]!;
        Assert.That((card["slug"]!.GetValue<string>(), card["status"]!.GetValue<string>()), Is.EqualTo(("harbour-reopens", "published")));
        var changes = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={since}"));
        Assert.That(changes["items"]!.AsArray().Select(i => (i!["type"]!.GetValue<string>(), i["slug"]!.GetValue<string>())),
            Is.EqualTo(new[] { ("delete", "harbour-reopens") }));
        var seen = await EverythingPartnersSeeAsync(since);
        Assert.That(seen, Does.Not.Contain("kestrelbay").IgnoreCase);
        if (at is not null)
            Assert.That(seen, Does.Not.Contain(at[..10]));
    }

    [Test]
    public async Task MovingAPublicArticleToALaterTimeDoesNotTellPartnersTheNewTime()
    {
        var (id, version) = await CreateArticleAsync("ceasefire-talks");
        version = await PublishAsync(id, version);
        var since = await ChangeFeedEndAsync();
        var embargo = new DateTimeOffset(2031, 7, 9, 6, 0, 0, TimeSpan.Zero);
        await PublishAsync(id, version, embargo);

        var gone = (await _receiver.WaitForAsync(2)).Last();
        Assert.That(gone.Type, Is.EqualTo("article.unpublished"));
        Assert.That(gone.Data["article"]!["status"]!.GetValue<string>(), Is.EqualTo("published"));
        Assert.That(await EverythingPartnersSeeAsync(since), Does.Not.Contain("2031"));
    }

    [Test]
    public async Task TagsAnImportCreatesAreAnnouncedLikeTagsCreatedThroughTheApi()
    {
        await ImportAsync("""{"slug":"port-deal","title":"Port deal","status":"draft","tags":[{"slug":"ports","name":"Ports","kind":"topic"}]}""");
        var created = await _receiver.WaitForAsync(1, r => r.Type == "tag.created");
        Assert.That(created.Select(r => r.Data["tag"]!["slug"]!.GetValue<string>()), Is.EqualTo(new[] { "ports" }));
        // A second import of the same tag creates nothing, and says nothing.
        await ImportAsync("""{"slug":"port-deal-2","title":"Port deal two","status":"draft","tags":[{"slug":"ports","name":"Ports","kind":"topic"}]}""");
        await CreatePublishedAsync("marker-article");
        await _receiver.WaitForAsync(1, r => r.Type == "article.published");
        Assert.That(_receiver.Requests.Count(r => r.Type == "tag.created"), Is.EqualTo(1));
    }
}
