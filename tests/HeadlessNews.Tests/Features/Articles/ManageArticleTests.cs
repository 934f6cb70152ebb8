using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

public sealed class ManageArticleTests : ApiTestBase
{
    [Test]
    public async Task CreatingAnArticleAnswers201WithADraftItsETagAndLocation()
    {
        await CreateTagAsync("nato", "organisation");
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", new
        {
            slug = "new-piece",
            title = "A new piece",
            summary = "The standfirst.",
            bodyMarkdown = "Intro paragraph.\n\n## What changed\n\nMore text here.\n\n### Detail\n\nEven more.",
            tags = new[] { "nato" },
            sources = new[] { new { title = "Original report", url = "https://example.org/report", publisher = "Example Wire" } },
            aiGenerated = true,
            disclosure = "Written with AI from the sources below.",
            heroImage = new { url = "https://images.example.org/a.jpg", alt = "A hall", credit = "Photo desk" },
        });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var article = await ReadJsonAsync(response);
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo($"/api/v1/manage/articles/{article["id"]}"));
        Assert.That(response.Headers.ETag!.Tag, Is.EqualTo("\"1\""));
        Assert.That(article["status"]!.ToString(), Is.EqualTo("draft"));
        Assert.That(article["publishedAt"], Is.Null);
        Assert.That(article["outline"]!.AsArray().Select(o => o!["anchor"]!.ToString()), Is.EqualTo(new[] { "what-changed", "detail" }));
        Assert.That(article["outline"]![1]!["level"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(article["bodyHtml"]!.ToString(), Does.Contain("<h2 id=\"what-changed\">What changed</h2>"));
        Assert.That(article["wordCount"]!.GetValue<int>(), Is.EqualTo(10));
        Assert.That(article["readingTimeMinutes"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(article["sources"]![0]!["publisher"]!.ToString(), Is.EqualTo("Example Wire"));
        Assert.That(article["heroImage"]!["credit"]!.ToString(), Is.EqualTo("Photo desk"));
        Assert.That(article["canonicalUrl"]!.ToString(), Is.EqualTo("https://news.example.com/articles/new-piece"));
        Assert.That(article["version"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task BodyHtmlIsSanitized()
    {
        const string hostile = """
            Hello <script>alert('x')</script> there.

            <iframe src="https://evil.example"></iframe>
            <img src="https://images.example.org/ok.png" onerror="alert(1)">
            <a href="javascript:alert(1)">click</a> [also](javascript:alert(2)) <div onclick="steal()">box</div>
            <svg onload="alert(3)"></svg>

            A markdown [link](javascript:alert(2)) and [a fine one](https://example.org/fine).
            """;
        var (id, _) = await CreateArticleAsync("hostile", extra: new { bodyMarkdown = hostile });

        var html = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/manage/articles/{id}"))!["bodyHtml"]!.ToString();

        Assert.That(html, Does.Not.Contain("<script").IgnoreCase);
        Assert.That(html, Does.Not.Contain("<iframe").IgnoreCase);
        Assert.That(html, Does.Not.Match("(href|src)\\s*=\\s*\"?\\s*javascript:").IgnoreCase);
        Assert.That(html, Does.Contain("href=\"https://example.org/fine\""));
        Assert.That(html, Does.Not.Contain("onerror").IgnoreCase.And.Not.Contain("onclick").IgnoreCase.And.Not.Contain("onload").IgnoreCase);
        Assert.That(html, Does.Contain("https://images.example.org/ok.png"));
    }

    [TestCase("status", "\"published\"")]
    [TestCase("publishedAt", "\"2026-01-01T00:00:00Z\"")]
    [TestCase("id", "\"7b0e7c9e-93a4-4c39-9f49-2e8a8c7d2b11\"")]
    [TestCase("version", "5")]
    [TestCase("author", "\"someone\"")]
    public async Task CreatingWithAPrivilegedOrUnknownMemberIsRejectedAndStoresNothing(string member, string value)
    {
        var before = await SnapshotAsync();
        var json = $$"""{"slug":"sneaky","title":"Sneaky","{{member}}":{{value}}}""";

        var response = await Admin.PostAsync("/api/v1/manage/articles", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]![member], Is.Not.Null, problem.ToJsonString());
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [TestCase("""{"slug":"a","slug":"b","title":"Twice"}""", "slug")]
    [TestCase("""{"slug":"a","title":null}""", "title")]
    [TestCase("""{"slug":"a"}""", "body")]
    [TestCase("""{"slug":"a","title":"x","aiGenerated":"yes"}""", "aiGenerated")]
    [TestCase("""{"slug":"a","title":"x","tags":"nato"}""", "tags")]
    [TestCase("""{"slug":"a","title":"x",""", "body")]
    [TestCase("""[1,2,3]""", "body")]
    public async Task MalformedJsonAnswers400NamingTheField(string json, string field)
    {
        var before = await SnapshotAsync();
        var response = await Admin.PostAsync("/api/v1/manage/articles", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]?[field], Is.Not.Null, problem.ToJsonString());
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task InvalidFieldValuesAnswer400WithAMessagePerField()
    {
        var before = await SnapshotAsync();
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", new
        {
            slug = "Not A Slug!",
            title = "",
            summary = "bad \u0000 byte",
            tags = new[] { "UPPER" },
            sources = new[] { new { title = "x", url = "javascript:alert(1)" } },
            heroImage = new { url = "ftp://files.example.org/a.jpg" },
            canonicalUrl = "/relative",
        });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject().Select(e => e.Key).ToArray();
        Assert.That(errors, Is.SupersetOf(new[] { "slug", "title", "summary", "tags[0]", "sources[0].url", "heroImage.url", "canonicalUrl" }));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task UnknownTagSlugIsAValidationErrorAndStoresNothing()
    {
        await CreateTagAsync("known");
        var before = await SnapshotAsync();

        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "tagged", title = "Tagged", tags = new[] { "known", "unknown" } });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["tags"]![0]!.ToString(), Does.Contain("unknown"));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task CreatingWithADuplicateSlugAnswersConflict()
    {
        await CreateArticleAsync("taken");
        var before = await SnapshotAsync();

        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "taken", title = "Again" });

        var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.That(problem["detail"]!.ToString(), Does.Contain("slug"));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task WrongContentTypeAnswers415AndOversizedBodyAnswers413()
    {
        var before = await SnapshotAsync();
        var text = await Admin.PostAsync("/api/v1/manage/articles", new StringContent("""{"slug":"a","title":"b"}""", Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType);

        var huge = new string('x', 200_000);
        var big = await Admin.PostAsync("/api/v1/manage/articles", new StringContent($$"""{"slug":"a","title":"b","bodyMarkdown":"{{huge}}"}""", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(big, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task UpdatingNeedsIfMatch428WithoutIt412WhenStale()
    {
        var (id, version) = await CreateArticleAsync("edited");
        var edit = new { slug = "edited", title = "Edited title" };

        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", edit), (HttpStatusCode)428);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", edit, version + 1), HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{Guid.NewGuid()}", edit, 1), HttpStatusCode.NotFound);

        var ok = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", edit, version);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var article = await ReadJsonAsync(ok);
        Assert.That(article["title"]!.ToString(), Is.EqualTo("Edited title"));
        Assert.That(article["version"]!.GetValue<int>(), Is.EqualTo(version + 1));
        Assert.That(ok.Headers.ETag!.Tag, Is.EqualTo($"\"{version + 1}\""));
        // PUT replaces every editable field: what the edit left out is gone.
        Assert.That(article["summary"], Is.Null);
    }

    [Test]
    public async Task TwoEditorsWithTheSameVersionExactlyOneWinsAndNothingIsLost()
    {
        var (id, version) = await CreateArticleAsync("contested");
        var editor1 = await ClientWithRoleAsync("editor");
        var editor2 = await ClientWithRoleAsync("editor");

        var responses = await Task.WhenAll(
            SendAsync(editor1, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new { slug = "contested", title = "First editor's title" }, version),
            SendAsync(editor2, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new { slug = "contested", title = "Second editor's title" }, version));

        var statuses = responses.Select(r => r.StatusCode).ToArray();
        Assert.That(statuses, Is.EquivalentTo(new[] { HttpStatusCode.OK, HttpStatusCode.PreconditionFailed }));
        var winner = await ReadJsonAsync(responses.Single(r => r.StatusCode == HttpStatusCode.OK));
        var stored = await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/manage/articles/{id}");
        Assert.That(stored!["title"]!.ToString(), Is.EqualTo(winner["title"]!.ToString()));
        Assert.That(stored["version"]!.GetValue<int>(), Is.EqualTo(version + 1));
    }

    [Test]
    public async Task AnAiGeneratedArticleCannotBePublishedWithoutDisclosureAndSources()
    {
        var (id, version) = await CreateArticleAsync("ai-piece", extra: new { aiGenerated = true });
        var before = await SnapshotAsync();

        var refused = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish", null, version);

        var problem = await AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity);
        Assert.That(problem["errors"]!["disclosure"], Is.Not.Null);
        Assert.That(problem["errors"]!["sources"], Is.Not.Null);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));

        var fixedUp = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new
        {
            slug = "ai-piece", title = "AI piece", aiGenerated = true, disclosure = "Drafted by AI from the sources listed.",
            sources = new[] { new { title = "Source", url = "https://example.org/s" } },
        }, version);
        var newVersion = (await ReadJsonAsync(fixedUp))["version"]!.GetValue<int>();
        await PublishAsync(id, newVersion);

        // Once live, an edit may not strip what publishing required.
        var stripped = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
            new { slug = "ai-piece", title = "AI piece", aiGenerated = true }, newVersion + 1);
        await AssertProblemAsync(stripped, HttpStatusCode.UnprocessableEntity);
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/ai-piece"))!["disclosure"]!.ToString(), Does.StartWith("Drafted"));

        // Nor once scheduled: it would go public without them when its time comes.
        var scheduled = await PublishAsync(id, newVersion + 1, DateTimeOffset.UtcNow.AddDays(1));
        var before2 = await SnapshotAsync();
        var strippedScheduled = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
            new { slug = "ai-piece", title = "AI piece", aiGenerated = true, sources = new[] { new { title = "Source", url = "https://example.org/s" } } }, scheduled);
        var why = await AssertProblemAsync(strippedScheduled, HttpStatusCode.UnprocessableEntity);
        Assert.That(why["errors"]!["disclosure"], Is.Not.Null);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before2));
    }

    [Test]
    public async Task PublishUnpublishAndArchiveMoveTheArticleThroughItsStatuses()
    {
        var (id, version) = await CreateArticleAsync("moving");

        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish"), (HttpStatusCode)428);
        version = await PublishAsync(id, version);
        var published = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/moving");
        Assert.That(published!["status"]!.ToString(), Is.EqualTo("published"));
        var publishedAt = published["publishedAt"]!.ToString();

        // Publishing a live article again keeps its publish time.
        version = await PublishAsync(id, version);
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/moving"))!["publishedAt"]!.ToString(), Is.EqualTo(publishedAt));

        var unpublished = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, version);
        var draft = await ReadJsonAsync(unpublished);
        Assert.That(draft["status"]!.ToString(), Is.EqualTo("draft"));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/moving"), HttpStatusCode.NotFound);

        version = await PublishAsync(id, draft["version"]!.GetValue<int>());
        var archived = await ReadJsonAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/archive", null, version));
        Assert.That(archived["status"]!.ToString(), Is.EqualTo("archived"));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/moving"), HttpStatusCode.NotFound);
        Assert.That((await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/manage/articles/{id}"))!["slug"]!.ToString(), Is.EqualTo("moving"));
    }

    [Test]
    public async Task ManagementListShowsEveryStatusAndFiltersByStatus()
    {
        await CreateArticleAsync("draft-one");
        await CreatePublishedAsync("live-one");
        await CreatePublishedAsync("future-one", publishAt: DateTimeOffset.UtcNow.AddDays(2));

        var all = await Admin.GetFromJsonAsync<JsonNode>("/api/v1/manage/articles");
        Assert.That(Slugs(all!), Is.EquivalentTo(new[] { "draft-one", "live-one", "future-one" }));
        Assert.That(Slugs((await Admin.GetFromJsonAsync<JsonNode>("/api/v1/manage/articles?status=scheduled"))!), Is.EqualTo(new[] { "future-one" }));
        Assert.That(Slugs((await Admin.GetFromJsonAsync<JsonNode>("/api/v1/manage/articles?status=draft"))!), Is.EqualTo(new[] { "draft-one" }));
        var paged = await Admin.GetFromJsonAsync<JsonNode>("/api/v1/manage/articles?limit=2");
        var rest = await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/manage/articles?limit=2&cursor={paged!["nextCursor"]}");
        Assert.That(Slugs(paged).Concat(Slugs(rest!)), Is.EquivalentTo(new[] { "draft-one", "live-one", "future-one" }));
    }

    [Test]
    public async Task DeletingIsForAdminsAndNeedsIfMatch()
    {
        var (id, version) = await CreateArticleAsync("doomed");
        var editor = await ClientWithRoleAsync("editor");

        await AssertProblemAsync(await SendAsync(editor, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}"), (HttpStatusCode)428);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version + 3), HttpStatusCode.PreconditionFailed);

        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task CuratedRelatedListKeepsTheEditorsOrderAndRefusesBadLinks()
    {
        var (id, version) = await CreateArticleAsync("hub");
        var (first, _) = await CreateArticleAsync("first");
        var (second, _) = await CreateArticleAsync("second");
        var url = $"/api/v1/manage/articles/{id}/related";
        var before = await SnapshotAsync();

        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, url, new { articleIds = new[] { id } }, version), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, url, new { articleIds = new[] { first, first } }, version), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, url, new { articleIds = new[] { Guid.NewGuid() } }, version), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, url, new { articleIds = new[] { second } }), (HttpStatusCode)428);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));

        var ok = await SendAsync(Admin, HttpMethod.Put, url, new { articleIds = new[] { second, first } }, version);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ReadJsonAsync(ok))["version"]!.GetValue<int>(), Is.EqualTo(version + 1));
        Assert.That(Slugs((await Admin.GetFromJsonAsync<JsonNode>(url))!), Is.EqualTo(new[] { "second", "first" }));

        // Deleting a linked article removes its link with it.
        var secondVersion = await SqlAsync<int>("select version from articles where id = @second", new { second });
        await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{second}", null, secondVersion);
        Assert.That(Slugs((await Admin.GetFromJsonAsync<JsonNode>(url))!), Is.EqualTo(new[] { "first" }));
    }
}
