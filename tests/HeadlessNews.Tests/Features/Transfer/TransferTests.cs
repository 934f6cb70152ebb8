using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Transfer;

public sealed class TransferTests : ApiTestBase
{
    private async Task<string> ExportAsync()
    {
        var response = await Admin.GetAsync("/api/v1/manage/export");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/x-ndjson"));
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<JsonNode> ImportAsync(string ndjson, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var content = new StringContent(ndjson, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    /// <summary>A newsroom with every kind of content an export must carry.</summary>
    private async Task ArrangeNewsroomAsync()
    {
        await CreateTagAsync("elections", "topic", "Elections");
        await CreateTagAsync("lisbon", "place", "Lisbon");
        var background = await CreatePublishedAsync("election-background", ["elections"]);
        var (lead, version) = await CreateArticleAsync("lisbon-votes", ["elections", "lisbon"], new
        {
            aiGenerated = true,
            disclosure = "Drafted with an AI tool from the results below.",
            sources = new[] { new { title = "Official results", url = "https://results.example.org/lisbon", publisher = "Electoral office" } },
            heroImage = new { url = "https://img.example.org/lisbon.jpg", alt = "Ballot boxes", credit = "Photo desk" },
            canonicalUrl = "https://elsewhere.example.org/lisbon-votes",
        });
        var related = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{lead}/related", new { articleIds = new[] { background } }, version);
        version = (await ReadJsonAsync(related))["version"]!.GetValue<int>();
        version = await PublishAsync(lead, version, DateTimeOffset.UtcNow.AddHours(-2));
        await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{lead}/corrections", new { kind = "correction", text = "Turnout was 61 per cent, not 16." }, version);
        await CreateArticleAsync("draft-analysis", ["lisbon"]);
        await CreatePublishedAsync("results-tomorrow", publishAt: DateTimeOffset.UtcNow.AddDays(1));
        var archived = await CreatePublishedAsync("old-poll");
        var current = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{archived}")))["version"]!.GetValue<int>();
        await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{archived}/archive", null, current);
    }

    [Test]
    public async Task ExportThenImportIntoAnEmptyDatabaseGivesBackTheSameContent()
    {
        await ArrangeNewsroomAsync();
        var exported = await ExportAsync();
        var lines = exported.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(5));
        var lead = JsonNode.Parse(lines.Single(l => l.Contains("\"lisbon-votes\"")))!;
        Assert.That(lead["related"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "election-background" }));
        Assert.That(lead["tags"]![1]!["kind"]!.GetValue<string>(), Is.EqualTo("place"));
        Assert.That(lead["corrections"]!.AsArray(), Has.Count.EqualTo(1));

        await GlobalSetup.ResetAsync();
        var summary = await ImportAsync(exported);
        Assert.That(summary["created"]!.GetValue<int>(), Is.EqualTo(5));
        Assert.That(summary["failed"]!.GetValue<int>(), Is.Zero, summary.ToJsonString());

        Assert.That(await ExportAsync(), Is.EqualTo(exported), "the same content, ids, times, links and notes");
        var page = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/lisbon-votes"));
        Assert.That(page["related"]![0]!["slug"]!.GetValue<string>(), Is.EqualTo("election-background"));
        Assert.That(page["corrections"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(page["bodyHtml"]!.GetValue<string>(), Does.Contain("<h2"));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/draft-analysis"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/results-tomorrow"), HttpStatusCode.NotFound);
        Assert.That((await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/tags/lisbon")))["articleCount"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task ReimportingTheSameFileChangesNothing()
    {
        await ArrangeNewsroomAsync();
        var exported = await ExportAsync();
        var before = await SnapshotAsync();
        var revisions = await SqlAsync<long>("select count(*) from article_revisions");

        var summary = await ImportAsync(exported);
        Assert.That(summary["unchanged"]!.GetValue<int>(), Is.EqualTo(5), summary.ToJsonString());
        Assert.That(summary["created"]!.GetValue<int>() + summary["updated"]!.GetValue<int>(), Is.Zero);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
        Assert.That(await SqlAsync<long>("select count(*) from article_revisions"), Is.EqualTo(revisions));
    }

    [Test]
    public async Task ALineLongerThanTheLimitIsReportedWithoutBeingReadWhileTheLinesAroundItAreImported()
    {
        string Line(string slug, string body = "") => $$"""{"slug":"{{slug}}","title":"Title of {{slug}}","status":"draft","bodyMarkdown":"{{body}}"}""";
        var huge = Line("huge", new string('x', HeadlessNews.Api.Features.Transfer.ImportLines.MaxChars));
        var file = Line("before") + "\r\n" + huge + "\n" + Line("after") + "\r" + Line("last");

        var summary = await ImportAsync(file);

        var error = summary["errors"]!.AsArray().Single()!;
        Assert.That(error["line"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("longer than"));
        Assert.That(summary["created"]!.GetValue<int>(), Is.EqualTo(3), summary.ToJsonString());
        Assert.That(await SqlAsync<long>("select count(*) from articles where slug in ('before', 'after', 'last')"), Is.EqualTo(3));
    }

    [Test]
    public async Task BadLinesAreReportedByNumberAndWriteNothingWhileGoodLinesAreCommitted()
    {
        await CreateTagAsync("ports", "topic", "Ports");
        string Line(string slug, string extra = "") =>
            $$"""{"slug":"{{slug}}","title":"Title of {{slug}}","status":"published","publishedAt":"2026-01-0{{slug.Length % 9 + 1}}T10:00:00Z","aiGenerated":false,"tags":[{"slug":"ports","name":"Ports","kind":"topic"}]{{extra}}}""";
        var file = string.Join('\n',
            Line("good-one"),
            """{"slug":"broken-json","title":""",
            Line("bad-title", ",\"title\":\"\"").Replace("\"title\":\"Title of bad-title\",", ""),
            "",
            Line("unknown-field", ",\"secretField\":1"),
            Line("ai-without-sources", "").Replace("\"aiGenerated\":false", "\"aiGenerated\":true"),
            Line("bad-status").Replace("\"published\"", "\"live\""),
            Line("good-two", ",\"related\":[\"good-one\"]"),
            Line("good-one"),
            Line("links-nowhere", ",\"related\":[\"no-such-article\"]"));

        var before = await SqlAsync<long>("select count(*) from articles");
        var summary = await ImportAsync(file);
        var errors = summary["errors"]!.AsArray().Select(e => (Line: e!["line"]!.GetValue<int>(), Message: e["message"]!.GetValue<string>())).ToList();
        Assert.That(errors.Select(e => e.Line), Is.EqualTo(new[] { 2, 3, 5, 6, 7, 9, 10 }), summary.ToJsonString());
        Assert.That(errors.Single(e => e.Line == 9).Message, Does.Contain("earlier line"));
        Assert.That(errors.Single(e => e.Line == 10).Message, Does.Contain("no-such-article"));
        Assert.That(summary["created"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(await SqlAsync<long>("select count(*) from articles") - before, Is.EqualTo(3));
        Assert.That(await SqlAsync<long>("select count(*) from articles where slug in ('broken-json', 'bad-title', 'unknown-field', 'ai-without-sources', 'bad-status')"), Is.Zero);
        var two = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/good-two"));
        Assert.That(two["related"]![0]!["slug"]!.GetValue<string>(), Is.EqualTo("good-one"));
    }

    [Test]
    public async Task AFileOfSeveralBatchesWrittenInParallelImportsCompletelyWithLinksAcrossBatches()
    {
        // 2,500 lines are three batches of the importer, two written at once; each article links to one a batch away.
        var lines = Enumerable.Range(0, 2500).Select(i =>
            $$"""{"slug":"wire-{{i}}","title":"Wire story {{i}}","status":"{{(i % 5 == 0 ? "draft" : "published")}}","publishedAt":"2026-03-01T00:00:00Z","bodyMarkdown":"## Part\n\nWords {{i}}.","tags":[{"slug":"wire-{{i % 7}}","name":"Wire {{i % 7}}","kind":"topic"}],"related":["wire-{{(i + 1200) % 2500}}"]}""").ToList();
        var summary = await ImportAsync(string.Join('\n', lines));
        Assert.That(summary["created"]!.GetValue<int>(), Is.EqualTo(2500), summary.ToJsonString());
        Assert.That(summary["failed"]!.GetValue<int>(), Is.Zero);
        Assert.That(await SqlAsync<long>("select count(*) from related_links"), Is.EqualTo(2500));
        Assert.That(await SqlAsync<long>("select count(*) from tags"), Is.EqualTo(7));
        Assert.That(await SqlAsync<long>("select count(*) from article_changes"), Is.EqualTo(2000));
        var again = await ImportAsync(string.Join('\n', lines));
        Assert.That(again["unchanged"]!.GetValue<int>(), Is.EqualTo(2500));
    }

    [Test]
    public async Task ABulkImportEndsWithAVacuumSoSearchIndexesHaveStatisticsBeforeAutovacuumComes()
    {
        const string Vacuums = """
            select coalesce(sum(vacuum_count), 0) from pg_stat_user_tables
            where relname in ('article_search_recent', 'article_search_vectors', 'articles')
            """;
        var before = await SqlAsync<long>(Vacuums);
        var few = Enumerable.Range(0, 10).Select(i => $$"""{"slug":"few-{{i}}","title":"Few {{i}}","status":"published","publishedAt":"2026-03-01T00:00:00Z","bodyMarkdown":"Words."}""");
        await ImportAsync(string.Join('\n', few));
        Assert.That(await SqlAsync<long>(Vacuums), Is.EqualTo(before), "ten lines are left to autovacuum");

        // A full batch of the importer.
        var many = Enumerable.Range(0, 1000).Select(i => $$"""{"slug":"bulk-{{i}}","title":"Bulk {{i}}","status":"published","publishedAt":"2026-03-01T00:00:00Z","bodyMarkdown":"Harbour words {{i}}."}""");
        var summary = await ImportAsync(string.Join('\n', many));
        Assert.That(summary["created"]!.GetValue<int>(), Is.EqualTo(1000), summary.ToJsonString());
        Assert.That(await SqlAsync<long>(Vacuums), Is.EqualTo(before + 3), "each of the three tables vacuumed once by hand");
        Assert.That(await SqlAsync<int>("select relallvisible from pg_class where relname = 'article_search_recent'"), Is.GreaterThan(0),
            "the visibility map is set, so index-only reads skip the heap");
    }

    [Test]
    public async Task ImportedRevisionsHoldTheCuratedLinksWhetherTheyPointBackOrAhead()
    {
        // "first" links ahead to "third", three batches further on (so set once every line is written, completing
        // the revision that created "first"); "second" links back to "first" (set with it). Filler lines push
        // "third" into the fourth batch.
        var filler = Enumerable.Range(0, 3100).Select(i => $$"""{"slug":"filler-{{i}}","title":"Filler {{i}}","status":"draft"}""");
        var file = string.Join('\n', [
            """{"slug":"first","title":"First","status":"published","publishedAt":"2026-03-01T00:00:00Z","related":["third"]}""",
            """{"slug":"second","title":"Second","status":"published","publishedAt":"2026-03-01T00:00:00Z","related":["first"]}""",
            .. filler,
            """{"slug":"third","title":"Third","status":"published","publishedAt":"2026-03-01T00:00:00Z","related":["second"]}""",
        ]);
        var summary = await ImportAsync(file);
        Assert.That(summary["created"]!.GetValue<int>(), Is.EqualTo(3103), summary.ToJsonString());
        var id = new Dictionary<string, string>();
        foreach (var slug in new[] { "first", "second", "third" })
            id[slug] = (await SqlAsync<Guid>($"select id from articles where slug = '{slug}'")).ToString();

        async Task<JsonNode> LatestRevisionAsync(string slug)
        {
            var list = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id[slug]}/revisions"));
            var number = list["items"]!.AsArray().Max(r => r!["number"]!.GetValue<int>());
            return await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id[slug]}/revisions/{number}"));
        }
        var second = await LatestRevisionAsync("second");
        Assert.That(second["number"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(second["relatedIds"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { id["first"] }));
        var first = await LatestRevisionAsync("first");
        Assert.That(first["number"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(first["relatedIds"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { id["third"] }));
        // "third" links back to "second", written by an earlier batch.
        var thirdRevision = await LatestRevisionAsync("third");
        Assert.That(thirdRevision["relatedIds"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { id["second"] }));
        var stored = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id["first"]}"));
        Assert.That(first["article"]!["version"]!.GetValue<int>(), Is.EqualTo(stored["version"]!.GetValue<int>()));
        Assert.That((await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/first")))["related"]![0]!["slug"]!.GetValue<string>(), Is.EqualTo("third"));

        var again = await ImportAsync(file);
        Assert.That(again["unchanged"]!.GetValue<int>(), Is.EqualTo(3103), again.ToJsonString());
        Assert.That(await SqlAsync<long>("select count(*) from article_revisions"), Is.EqualTo(3103));

        // An article that existed, whose new links point ahead, gets the one revision of its line once they are set.
        var moved = file.Replace("\"related\":[\"first\"]", "\"related\":[\"fourth\"]")
            + "\n" + """{"slug":"fourth","title":"Fourth","status":"published","publishedAt":"2026-03-01T00:00:00Z"}""";
        var third = await ImportAsync(moved);
        Assert.That((third["created"]!.GetValue<int>(), third["updated"]!.GetValue<int>()), Is.EqualTo((1, 1)), third.ToJsonString());
        id["fourth"] = (await SqlAsync<Guid>("select id from articles where slug = 'fourth'")).ToString();
        second = await LatestRevisionAsync("second");
        Assert.That(second["number"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(second["relatedIds"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { id["fourth"] }));
        stored = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id["second"]}"));
        Assert.That(second["article"]!["version"]!.GetValue<int>(), Is.EqualTo(stored["version"]!.GetValue<int>()));

        // A link to an article that is in the database but not in the file.
        var alone = await ImportAsync("""{"slug":"sixth","title":"Sixth","status":"draft","related":["third","filler-7"]}""");
        Assert.That(alone["created"]!.GetValue<int>(), Is.EqualTo(1), alone.ToJsonString());
        id["sixth"] = (await SqlAsync<Guid>("select id from articles where slug = 'sixth'")).ToString();
        var sixth = await LatestRevisionAsync("sixth");
        Assert.That(sixth["relatedIds"]!.AsArray().Select(r => r!.GetValue<string>()),
            Is.EqualTo(new[] { id["third"], (await SqlAsync<Guid>("select id from articles where slug = 'filler-7'")).ToString() }));
    }

    [Test]
    public async Task ImportNeedsAnAdminAndNdjson()
    {
        using var editor = await ClientWithRoleAsync("editor");
        var content = new StringContent("{}", Encoding.UTF8, "application/x-ndjson");
        Assert.That((await editor.PostAsync("/api/v1/manage/import", content)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await editor.GetAsync("/api/v1/manage/export")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await AssertProblemAsync(await Admin.PostAsync("/api/v1/manage/import", new StringContent("{}", Encoding.UTF8, "application/json")),
            HttpStatusCode.UnsupportedMediaType);
        var audit = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/audit?resourceType=import"));
        Assert.That(audit["items"]!.AsArray().Select(e => e!["statusCode"]!.GetValue<int>()), Is.EquivalentTo(new[] { 415, 403 }));
    }

    [Test]
    [RunsInBackground(Background.Scheduler)]
    public async Task AnImportedLineWhoseTimeIsToComeIsScheduledAndAnnouncedWhenItComes()
    {
        var at = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        await ImportAsync($$"""{"slug":"results-at-noon","title":"Results at noon","status":"published","publishedAt":"{{at}}"}""");

        async Task<string[]> ListedAsync(string status) =>
            Slugs(await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles?status={status}")));
        Assert.That(await ListedAsync("scheduled"), Is.EqualTo(new[] { "results-at-noon" }));
        Assert.That(await ListedAsync("published"), Is.Empty);
        Assert.That((await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes")))["items"]!.AsArray(), Is.Empty);
        Assert.That(await SqlAsync<long>("select count(*) from events"), Is.Zero);

        // Its time comes (moved in the database): the scheduler announces it once, and the mirror gets it.
        await SqlAsync<int>("update articles set published_at = now() - interval '1 second' returning 1");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await SqlAsync<long>("select count(*) from events") == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(await SqlAsync<string>("select string_agg(type, ',') from events"), Is.EqualTo("article.published"));
        var changes = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes"));
        Assert.That(changes["items"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "upsert" }));
        Assert.That(await ListedAsync("published"), Is.EqualTo(new[] { "results-at-noon" }));
    }

    [Test]
    public async Task ImportedPublishedArticlesReachTheChangeFeed()
    {
        await ImportAsync("""{"slug":"imported-news","title":"Imported news","status":"published","publishedAt":"2026-02-01T08:00:00Z","aiGenerated":false}""");
        var changes = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes"));
        Assert.That(changes["items"]!.AsArray().Select(i => i!["slug"]!.GetValue<string>()), Is.EqualTo(new[] { "imported-news" }));
        Assert.That(await SqlAsync<string>("select action from article_revisions"), Is.EqualTo("imported"));
    }
}
