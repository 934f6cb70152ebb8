using HeadlessNews.Api.Features.Demo;
using HeadlessNews.Tests.Infrastructure;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HeadlessNews.Tests.Frontend;

/// <summary>
/// The reference front end (frontend/public, built with the generated client) in headless Chromium, Debian's
/// package driven by Playwright (no browser download), served from its own origin and calling the API on
/// another: cross-origin, as a real site would. Screenshots are attached to the test results.
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
        _api = LiveApi.Start();

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

    [SetUp]
    public Task LoadDemoAsync() => _api.Services.GetRequiredService<DemoContentLoader>().LoadAsync(CancellationToken.None);

    private async Task<IPage> OpenAsync(string path)
    {
        var printed = new Uri(_printedUrl);
        var separator = path.Contains('?') ? '&' : '?';
        return await OpenUrlAsync(new Uri(printed, path).ToString() + separator + printed.Query.TrimStart('?'));
    }

    private async Task<IPage> OpenUrlAsync(string url)
    {
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var response = await page.GotoAsync(url);
        Assert.That(response!.Headers["content-type"], Does.StartWith("text/html"), url);
        await page.WaitForSelectorAsync("body[data-ready=true]");
        return page;
    }

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
}
