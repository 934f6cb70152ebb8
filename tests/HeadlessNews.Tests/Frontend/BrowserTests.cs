using HeadlessNews.Api.Features.Demo;
using HeadlessNews.Tests.Infrastructure;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HeadlessNews.Tests.Frontend;

/// <summary>
/// The reference front end (frontend/public, built with the generated client) in headless Chromium, Debian's
/// package driven by Playwright (no browser download), served from its own origin and calling the API on
/// another: cross-origin, as a real site would. The API runs in Development with the dev sign-in on, so readers sign
/// in through the page as a developer would (POST /dev/reader-token). Screenshots are attached to the test results.
/// </summary>
public sealed class BrowserTests : ApiTestBase
{
    private const string Lead = "washington-weighs-guarantees-in-exchange-for-a-frozen-front-line";
    private static readonly string Chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is not installed (apt-get install chromium); .ci/run installs it.");

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private Process _site = null!;
    private string _printedUrl = null!;
    private LiveApi _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        await FrontendFolder.PrepareAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        _api = LiveApi.Start(new Dictionary<string, string?> { ["HeadlessNews:Readers:DevSignIn"] = "true" }, environment: "Development");

        // The server scripts/run-frontend.sh runs, on a free port: the tests open the URL it prints, as a newcomer would.
        _site = Process.Start(new ProcessStartInfo("node", ["serve.mjs", "0", _api.BaseUrl])
        {
            WorkingDirectory = FrontendFolder.Path,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await _site.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("serve.mjs printed nothing.");
        _printedUrl = line.StartsWith("Front end on ", StringComparison.Ordinal)
            ? line["Front end on ".Length..]
            : throw new InvalidOperationException("serve.mjs printed: " + line);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        _site.Kill();
        await _site.WaitForExitAsync();
        _site.Dispose();
        await _api.DisposeAsync();
    }

    // The loader is scoped (Development checks that it is not taken from the root provider).
    [SetUp]
    public async Task LoadDemoAsync()
    {
        await using var scope = _api.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoContentLoader>().LoadAsync(CancellationToken.None);
    }

    private async Task<IPage> OpenAsync(string path)
    {
        var printed = new Uri(_printedUrl);
        var separator = path.Contains('?') ? '&' : '?';
        return await OpenUrlAsync(new Uri(printed, path).ToString() + separator + printed.Query.TrimStart('?'));
    }

    private async Task<IPage> OpenUrlAsync(string url)
    {
        // Each page is a browser context of its own: no storage (no reader signed in) and no HTTP cache shared.
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var response = await page.GotoAsync(url);
        Assert.That(response!.Headers["content-type"], Does.StartWith("text/html"), url);
        await page.WaitForSelectorAsync("body[data-ready=true]");
        return page;
    }

    /// <summary>The article page with its conversation loaded (the thoughts and the reader's own held comments).</summary>
    private async Task<IPage> OpenConversationAsync()
    {
        var page = await OpenAsync($"article.html?slug={Lead}");
        await page.WaitForSelectorAsync("#comments[data-loaded=true]");
        return page;
    }

    /// <summary>Signs in with the page's (development) sign-in form; the page reloads signed in.</summary>
    private static async Task SignInAsync(IPage page, string name)
    {
        await page.FillAsync("#reader-name", name);
        await page.ClickAsync("#sign-in button[type=submit]");
        await page.WaitForSelectorAsync("#write");
        await page.WaitForSelectorAsync("#comments[data-loaded=true]");
        Assert.That(await page.InnerTextAsync("#comments"), Does.Contain($"Signed in as {name}"));
    }

    private static ILocator Thought(IPage page, string text) => page.Locator("#thoughts > li.thought", new() { HasText = text });

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"screenshot-{name}.png");
        await page.ScreenshotAsync(new() { Path = file, FullPage = true });
        TestContext.AddTestAttachment(file, name);
    }

    [Test]
    public async Task ThePrintedUrlOpensTheHomePageWithTheLatestArticles()
    {
        Assert.That(_printedUrl, Does.Match(@"^http://127\.0\.0\.1:\d+/\?api=http://127\.0\.0\.1:\d+$"));
        var page = await OpenUrlAsync(_printedUrl);
        Assert.That(await page.Locator("#articles li").CountAsync(), Is.EqualTo(6));
    }

    [Test]
    public async Task EveryFileTheFrontEndServesHasTheContentTypeOfItsKind()
    {
        var kinds = new Dictionary<string, string>
        {
            [".html"] = "text/html", [".js"] = "text/javascript", [".css"] = "text/css", [".png"] = "image/png", [".svg"] = "image/svg+xml",
        };
        var root = Path.Combine(FrontendFolder.Path, "public");
        var paths = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => "/" + Path.GetRelativePath(root, f).Replace('\\', '/')).Prepend("/").ToList();
        Assert.That(paths, Has.Some.EndsWith(".js"), "the pages are bundled before the tests run");
        using var http = new HttpClient { BaseAddress = new Uri(_printedUrl) };
        foreach (var path in paths)
        {
            using var response = await http.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), path);
            var expected = kinds.GetValueOrDefault(Path.GetExtension(path == "/" ? "index.html" : path), "(a file kind this test does not know: add it)");
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(expected), path);
        }
    }

    [Test]
    public async Task TheLeadArticleRendersLikeTheSeedPage()
    {
        var page = await OpenAsync($"article.html?slug={Lead}");
        // The hero image is drawn, not a broken-image box: it comes from the API itself, not an outside host.
        await page.WaitForFunctionAsync("(() => { const i = document.querySelector('figure img'); return i && i.complete && i.naturalWidth > 0; })()");
        await ScreenshotAsync(page, "article");

        var api = await Anonymous.GetStringAsync($"/api/v1/articles/{Lead}");
        var lead = System.Text.Json.Nodes.JsonNode.Parse(api)!;
        Assert.That(await page.InnerTextAsync("#headline"), Is.EqualTo(lead["title"]!.GetValue<string>()));
        Assert.That(await page.InnerTextAsync("#standfirst"), Is.EqualTo(lead["summary"]!.GetValue<string>()));
        var sections = await page.Locator(".body h2").AllInnerTextsAsync();
        Assert.That(sections, Is.EqualTo(lead["outline"]!.AsArray().Where(o => o!["level"]!.GetValue<int>() == 2).Select(o => o!["text"]!.GetValue<string>())));
        Assert.That(sections, Has.Count.GreaterThanOrEqualTo(3));
        Assert.That(await page.InnerTextAsync("#disclosure"), Does.Contain("AI"));
        Assert.That(await page.Locator("#disclosure a").CountAsync(), Is.EqualTo(lead["sources"]!.AsArray().Count).And.GreaterThan(0));
        Assert.That(await page.Locator("#related li").CountAsync(), Is.EqualTo(4));
        Assert.That(await page.Locator(".tags a").CountAsync(), Is.EqualTo(lead["tags"]!.AsArray().Count));
        Assert.That(await page.InnerTextAsync("#comments"), Does.Contain("Sign in").And.Contain("join the conversation"));
    }

    [Test]
    public async Task ClickingARelatedCardOpensThatArticle()
    {
        var page = await OpenAsync($"article.html?slug={Lead}");
        var first = page.Locator("#related li a").First;
        var title = await first.InnerTextAsync();
        await first.ClickAsync();
        await page.WaitForURLAsync("**/article.html?slug=*");
        await page.WaitForSelectorAsync("body[data-ready=true]");
        Assert.That(await page.InnerTextAsync("#headline"), Is.EqualTo(title));
        Assert.That(page.Url, Does.Not.Contain(Lead));
    }

    [Test]
    public async Task LoadMoreAppendsTheNextPageWithoutDuplicates()
    {
        var page = await OpenAsync("index.html");
        var firstPage = await page.Locator("#articles li").CountAsync();
        Assert.That(firstPage, Is.EqualTo(6));
        await page.ClickAsync("#load-more");
        await page.WaitForFunctionAsync("document.querySelectorAll('#articles li').length > 6");
        await ScreenshotAsync(page, "home");
        var titles = await page.Locator("#articles li .card-title").AllInnerTextsAsync();
        Assert.That(titles, Is.Unique);
        Assert.That(titles.Count, Is.EqualTo(12));

        // Until the list ends: the button goes away and every published article was shown once.
        while (await page.Locator("#load-more").IsVisibleAsync())
        {
            var before = await page.Locator("#articles li").CountAsync();
            await page.ClickAsync("#load-more");
            await page.WaitForFunctionAsync($"document.querySelectorAll('#articles li').length > {before} || document.querySelector('#load-more').hidden");
        }
        var all = await page.Locator("#articles li .card-title").AllInnerTextsAsync();
        Assert.That(all, Is.Unique);
        Assert.That(all, Has.Count.EqualTo(13));
    }

    [Test]
    public async Task TheTagFilterAndTheTagPageShowOnlyThatTagsArticles()
    {
        var page = await OpenAsync("index.html");
        await page.SelectOptionAsync("#tag-filter", "ukraine");
        await page.WaitForFunctionAsync("document.querySelectorAll('#articles li').length > 0 && [...document.querySelectorAll('#articles .card-meta')].every(m => m.textContent.includes('Ukraine'))");

        var tagPage = await OpenAsync("tag.html?slug=ukraine");
        Assert.That(await tagPage.InnerTextAsync("#tag-name"), Is.EqualTo("Ukraine"));
        var metas = await tagPage.Locator("#articles .card-meta").AllInnerTextsAsync();
        Assert.That(metas, Is.Not.Empty.And.All.Contain("Ukraine"));
        await ScreenshotAsync(tagPage, "tag");
    }

    [Test]
    public async Task AReaderSignsInPostsAndAnotherRepliesAndReports()
    {
        var page = await OpenConversationAsync();
        var anonymous = await page.InnerTextAsync("#comments");
        Assert.That(anonymous, Does.Contain("Share your thoughts").And.Contain("Sign in to join the conversation"));
        Assert.That(await page.Locator("#write").CountAsync(), Is.Zero, "no form before signing in");

        await SignInAsync(page, "Ana Lindqvist");
        await page.FillAsync("#write textarea", "The guarantees matter more than the map.\nSee https://example.org/guarantees <b>now</b>");
        await page.ClickAsync("#write button[type=submit]");
        await Thought(page, "matter more than the map").WaitForAsync();
        Assert.That(await page.InnerTextAsync("#comment-status"), Does.Contain("up"));

        // Anyone sees it, from the API: plain text stays text, the link is a nofollow link.
        var reader = await OpenConversationAsync();
        var posted = Thought(reader, "matter more than the map");
        Assert.That(await posted.Locator(".byline").InnerTextAsync(), Does.Contain("Ana Lindqvist"));
        Assert.That(await posted.Locator(".text").InnerTextAsync(), Does.Contain("<b>now</b>"));
        Assert.That(await posted.Locator(".text a").GetAttributeAsync("rel"), Is.EqualTo("nofollow ugc"));
        Assert.That(await posted.Locator("button.reply").CountAsync(), Is.Zero, "no reply button for someone not signed in");

        await SignInAsync(reader, "Ben Okafor");
        var target = Thought(reader, "matter more than the map");
        await target.Locator("button.reply").ClickAsync();
        await target.Locator(".reply-form textarea").FillAsync("Agreed, though the front line will not wait.");
        await target.Locator(".reply-form button[type=submit]").ClickAsync();
        await target.Locator(".replies li", new() { HasText = "front line will not wait" }).WaitForAsync();

        await target.Locator("button.report").First.ClickAsync();
        await target.Locator(".report-form select").SelectOptionAsync("off-topic");
        await target.Locator(".report-form button[type=submit]").ClickAsync();
        await target.Locator(".reported").WaitForAsync();
        Assert.That(await target.Locator(".reported").InnerTextAsync(), Does.StartWith("Reported"));
        await ScreenshotAsync(reader, "conversation");

        // The API agrees: the reply is public under the comment, and the report reached the moderators' queue.
        var comments = System.Text.Json.Nodes.JsonNode.Parse(await Anonymous.GetStringAsync($"/api/v1/articles/{Lead}/comments"))!["items"]!.AsArray();
        var top = comments.Single(c => c!["author"]!["displayName"]!.GetValue<string>() == "Ana Lindqvist")!;
        Assert.That(top["replyCount"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(top["replies"]![0]!["author"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Ben Okafor"));
        var reported = (await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=reported")))["items"]!.AsArray();
        Assert.That(reported.Select(c => (c!["id"]!.GetValue<string>(), c["openReports"]!.GetValue<int>())),
            Is.EqualTo(new[] { (top["id"]!.GetValue<string>(), 1) }));

        // Reporting the same comment again is answered, not repeated.
        await target.Locator("button.report").First.ClickAsync();
        await target.Locator(".report-form button[type=submit]").ClickAsync();
        await target.Locator(".reported", new() { HasText = "already" }).WaitForAsync();

        // A newcomer sees the reply under its comment.
        var later = await OpenConversationAsync();
        Assert.That(await Thought(later, "matter more than the map").Locator(".replies").InnerTextAsync(), Does.Contain("Ben Okafor").And.Contain("front line will not wait"));
    }

    [Test]
    public async Task AHeldCommentAwaitsModerationAndAppearsOnceAModeratorApprovesIt()
    {
        var policy = await SendAsync(Admin, HttpMethod.Put, "/api/v1/manage/comments/settings",
            new { preModeration = "all", trustedAfter = 1, bannedWords = Array.Empty<string>(), suspectWords = Array.Empty<string>(), maxLinks = 3, autoCloseAfterDays = (int?)null });
        Assert.That(policy.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), await policy.Content.ReadAsStringAsync());

        var page = await OpenConversationAsync();
        await SignInAsync(page, "Cleo Marsh");
        await page.FillAsync("#write textarea", "Who pays for the guarantees, and for how long?");
        await page.ClickAsync("#write button[type=submit]");
        var held = page.Locator("#pending li.thought", new() { HasText = "Who pays for the guarantees" });
        await held.WaitForAsync();
        Assert.That(await held.InnerTextAsync(), Does.Contain("Awaiting moderation"));
        Assert.That(await Thought(page, "Who pays for the guarantees").CountAsync(), Is.Zero);

        // Still shown to its author after a reload (from their own comments), and to no one else.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#comments[data-loaded=true]");
        Assert.That(await page.Locator("#pending li.thought", new() { HasText = "Who pays for the guarantees" }).InnerTextAsync(), Does.Contain("Awaiting moderation"));
        await ScreenshotAsync(page, "conversation-held");
        var stranger = await OpenConversationAsync();
        Assert.That(await stranger.InnerTextAsync("#comments"), Does.Not.Contain("Who pays for the guarantees"));

        // A moderator approves it through the management API of the app the page talks to (which purges its caches).
        var queue = (await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=pending")))["items"]!.AsArray();
        var id = queue.Single(c => c!["body"]!.GetValue<string>().Contains("Who pays"))!["id"]!.GetValue<string>();
        using (var moderator = new HttpClient { BaseAddress = new Uri(_api.BaseUrl) })
        {
            moderator.DefaultRequestHeaders.Authorization = new("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
            using var approved = await moderator.PostAsync($"/api/v1/manage/comments/{id}/approve", null);
            Assert.That(approved.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), await approved.Content.ReadAsStringAsync());
        }

        var everyone = await OpenConversationAsync();
        Assert.That(await Thought(everyone, "Who pays for the guarantees").Locator(".byline").InnerTextAsync(), Does.Contain("Cleo Marsh"));
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#comments[data-loaded=true]");
        Assert.That(await page.Locator("#pending li").CountAsync(), Is.Zero);
        Assert.That(await Thought(page, "Who pays for the guarantees").CountAsync(), Is.EqualTo(1));
    }
}
