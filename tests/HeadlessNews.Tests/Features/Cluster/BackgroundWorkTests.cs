using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using HeadlessNews.Tests.Infrastructure;
using Npgsql;

namespace HeadlessNews.Tests.Features.Cluster;

/// <summary>
/// Background work with two instances on one database: every scheduled article announced once, every webhook event
/// delivered once per subscription, migrations applied once, and the search re-indexing shared, never done twice.
/// </summary>
public sealed partial class BackgroundWorkTests : ApiTestBase
{
    private static async Task WaitUntilAsync(string sql, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await SqlAsync<bool>(sql) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(await SqlAsync<bool>(sql), Is.True, "not reached in time: " + sql);
    }

    [Test, RunsInBackground(Background.Scheduler)]
    public async Task TwoInstancesAnnounceEachScheduledArticleOnce()
    {
        await using var other = SecondInstance.Start(background: Background.Scheduler);
        var soon = DateTimeOffset.UtcNow.AddSeconds(1);
        for (var i = 0; i < 20; i++)
        {
            var (id, version) = await CreateArticleAsync($"dawn-story-{i}");
            await PublishAsync(id, version, soon);
        }
        await WaitUntilAsync("select count(*) = 20 from articles where status = 'published'");
        var announcements = await SqlAsync<string>(
            "select coalesce(string_agg(n::text, ','), '') from (select count(*) n from events where type = 'article.published' group by article_id) c");
        Assert.That(announcements.Split(','), Has.Length.EqualTo(20).And.All.EqualTo("1"));
    }

    [Test, RunsInBackground(Background.Webhooks)]
    public async Task TwoDispatchersDeliverEachEventOncePerSubscription()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var other = SecondInstance.Start(background: Background.Webhooks);
        foreach (var events in new[] { new[] { "article.published" }, new[] { "article.published", "article.updated" } })
        {
            var subscribed = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new { url = receiver.Url, events });
            Assert.That(subscribed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        var lines = Enumerable.Range(0, 50).Select(i =>
            $$"""{"slug":"story-{{i:D4}}","title":"Story {{i}}","status":"published","publishedAt":"2026-01-01T00:00:00Z"}""");
        var content = new StringContent(string.Join('\n', lines), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var imported = await other.Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(imported.StatusCode, Is.EqualTo(HttpStatusCode.OK), await imported.Content.ReadAsStringAsync());

        await WaitUntilAsync("select count(*) = 100 and bool_and(status = 'succeeded') from webhook_deliveries");
        // Each (event, subscription) once: the same event id reached the receiver twice, once per subscription.
        var received = receiver.Requests.ToList();
        Assert.That(received, Has.Count.EqualTo(100));
        Assert.That(received.GroupBy(r => r.Id).Select(g => g.Count()), Has.All.EqualTo(2));
        Assert.That(await SqlAsync<long>("select count(*) from webhook_attempts"), Is.EqualTo(100), "an attempt was made twice");
    }

    [Test]
    public async Task TwoInstancesStartingTogetherOnAnEmptyDatabaseApplyEachMigrationOnce()
    {
        var name = $"headlessnews_two_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
            await connection.ExecuteAsync($"create database {name}");
        var connectionString = new NpgsqlConnectionStringBuilder(GlobalSetup.Database.ConnectionString) { Database = name }.ConnectionString;
        try
        {
            var one = SecondInstance.Start(connectionString: connectionString);
            var two = SecondInstance.Start(connectionString: connectionString);
            try
            {
                // Creating a client starts the app, which migrates before it answers.
                var started = await Task.WhenAll(
                    Task.Run(() => one.Anonymous.GetAsync("/health/ready")), Task.Run(() => two.Anonymous.GetAsync("/health/ready")));
                Assert.That(started.Select(r => r.StatusCode), Has.All.EqualTo(HttpStatusCode.OK));
            }
            finally
            {
                await one.DisposeAsync();
                await two.DisposeAsync();
            }
            await using var check = new NpgsqlConnection(connectionString + ";Pooling=false");
            var scripts = (await check.QueryAsync<string>("select scriptname from schema_migrations")).ToList();
            var embedded = typeof(HeadlessNews.Api.HeadlessNewsOptions).Assembly.GetManifestResourceNames().Count(n => n.Contains(".Migrations.", StringComparison.Ordinal));
            Assert.That(scripts, Is.Unique);
            Assert.That(scripts, Has.Count.EqualTo(embedded));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
            await connection.ExecuteAsync($"drop database if exists {name} with (force)");
        }
    }

    [GeneratedRegex(@"Re-indexed (\d+) article\(s\)")]
    private static partial Regex Reindexed();

    [Test]
    public async Task TwoInstancesShareTheSearchReindexingAndDoNoArticleTwice()
    {
        for (var i = 0; i < 30; i++)
            await CreateArticleAsync($"indexed-story-{i}");
        var before = CapturedLogs.Instance.Lines.Count;
        var simple = new Dictionary<string, string?> { ["HeadlessNews:Search:Language"] = "simple" };
        await using var one = SecondInstance.Start(simple, background: Background.SearchReindexer);
        await using var two = SecondInstance.Start(simple, background: Background.SearchReindexer);
        await Task.WhenAll(Task.Run(() => one.Anonymous.GetAsync("/health/live")), Task.Run(() => two.Anonymous.GetAsync("/health/live")));

        await WaitUntilAsync("select bool_and(search_language = 'simple'::regconfig) from articles");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int total;
        while ((total = CapturedLogs.Instance.Lines.Skip(before).Select(l => Reindexed().Match(l)).Where(m => m.Success)
                   .Sum(m => int.Parse(m.Groups[1].Value))) < 30 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(total, Is.EqualTo(30), "each article re-indexed once, by one instance or the other");
    }
}
