using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Demo;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Demo;

public sealed class DemoContentTests : ApiTestBase
{
    private const string Lead = "washington-weighs-guarantees-in-exchange-for-a-frozen-front-line";

    private static Task LoadAsync() =>
        GlobalSetup.Factory.Services.GetRequiredService<DemoContentLoader>().LoadAsync(CancellationToken.None);

    [Test]
    public async Task DemoNewsroomLoadsALeadArticleShapedLikeTheSeedPage()
    {
        await LoadAsync();

        var lead = await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/articles/{Lead}");

        Assert.That(lead!["summary"]!.ToString(), Is.Not.Empty);
        Assert.That(lead["outline"]!.AsArray().Select(o => o!["text"]!.ToString()).ToList(), Has.Member("What is on the table").And.Count.GreaterThanOrEqualTo(3));
        Assert.That(lead["aiGenerated"]!.GetValue<bool>(), Is.True);
        Assert.That(lead["disclosure"]!.ToString(), Does.Contain("AI"));
        Assert.That(lead["sources"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(1));
        Assert.That(lead["tags"]!.AsArray().Select(t => t!["kind"]!.ToString()).Distinct(), Is.SupersetOf(new[] { "place", "organisation", "topic" }));
        var related = lead["related"]!.AsArray();
        Assert.That(related, Has.Count.EqualTo(4));
        Assert.That(related.Select(r => r!["kind"]!.ToString()), Is.All.EqualTo("curated"));

        var list = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles?limit=100");
        Assert.That(list!["items"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(12));
        Assert.That(Slugs(list)[0], Is.EqualTo(Lead));
        Assert.That(Slugs(list), Does.Not.Contain("draft-guarantee-treaty-explainer").And.Not.Contain("summit-preview-scheduled"));
        var tags = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags?limit=100");
        Assert.That(tags!["items"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(20));
    }

    [Test]
    public async Task LoadingTwiceChangesNothing()
    {
        await LoadAsync();
        var first = await SnapshotAsync();

        await LoadAsync();

        Assert.That(await SnapshotAsync(), Is.EqualTo(first));
    }

    [Test]
    public async Task EveryDemoImageIsServedByTheApiAtTheUrlTheArticleGives()
    {
        await LoadAsync();

        var list = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles?limit=100&fields=heroImage");
        var urls = list!["items"]!.AsArray().Select(i => i!["heroImage"]?["url"]?.GetValue<string>()).OfType<string>().ToList();
        Assert.That(urls, Has.Count.GreaterThanOrEqualTo(3));
        foreach (var url in urls)
        {
            // The test app's PublicApiUrl is the default one; the path is what the app serves.
            Assert.That(url, Does.StartWith("http://127.0.0.1:8080/demo/images/"));
            var response = await Anonymous.GetAsync(new Uri(url).PathAndQuery);
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), url);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/svg+xml"), url);
            Assert.That(await response.Content.ReadAsStringAsync(), Does.StartWith("<svg "), url);
        }
        Assert.That((await Anonymous.GetAsync("/demo/images/demo-content.json")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound));
    }
}
