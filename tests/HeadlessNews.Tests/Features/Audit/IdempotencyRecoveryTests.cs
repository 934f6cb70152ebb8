using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HeadlessNews.Tests.Features.Audit;

/// <summary>
/// A key claimed by a request that never finished (its process killed, or the database gone at that instant) must not
/// stay "in progress" for the key's whole retention: once the claim's lease has passed, a retry takes it over.
/// </summary>
public sealed class IdempotencyRecoveryTests : ApiTestBase
{
    private const string Body = """{"slug":"ferry-strike","title":"Ferry strike"}""";

    private static HttpRequestMessage Create(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/manage/articles") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static bool Replayed(HttpResponseMessage response) => response.Headers.Contains("Idempotent-Replayed");

    // The claim as the middleware hashes it: method, path and body.
    private static Task InsertClaimAsync(string key, string columns, string values) => SqlAsync<int>($"""
        insert into idempotency_keys (key_id, idempotency_key, request_hash, {columns})
        values ('bootstrap', @key, sha256(convert_to(@request, 'UTF8')), {values})
        returning 1
        """, new { key, request = "POST /api/v1/manage/articles\n" + Body });

    [Test]
    public async Task AClaimLeftByAKilledProcessIsTakenOverTheRequestRunsOnceAndIsThenReplayed()
    {
        // What the previous version left when its process died mid-request: claimed two minutes ago, never completed.
        await InsertClaimAsync("ferry-1", "created_at", "now() - interval '2 minutes'");

        var retry = await Admin.SendAsync(Create("ferry-1"));
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created), await retry.Content.ReadAsStringAsync());
        Assert.That(Replayed(retry), Is.False);
        var again = await Admin.SendAsync(Create("ferry-1"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(Replayed(again), Is.True);
        Assert.That(again.Headers.Location, Is.EqualTo(retry.Headers.Location));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));
    }

    [Test]
    public async Task AClaimIsRespectedWhileItsLeaseRunsAndTakenOverOnceItHasPassed()
    {
        await using var app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString,
            new Dictionary<string, string?> { ["HeadlessNews:Idempotency:WaitSeconds"] = "0.3" });
        using var admin = AdminOf(app);
        await InsertClaimAsync("ferry-2", "created_at, owner, lease_until", "now() - interval '1 hour', gen_random_uuid(), now() + interval '1 hour'");

        await AssertProblemAsync(await admin.SendAsync(Create("ferry-2")), HttpStatusCode.Conflict);
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(0));

        await SqlAsync<int>("update idempotency_keys set lease_until = now() - interval '1 second' returning 1");
        var retry = await admin.SendAsync(Create("ferry-2"));
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created), await retry.Content.ReadAsStringAsync());
        Assert.That(Replayed(await admin.SendAsync(Create("ferry-2"))), Is.True);
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));
    }

    [Test]
    public async Task ARetryAfterTheDatabaseWentAwayMidRequestRunsTheRequestOnceAndIsThenReplayed()
    {
        await using var app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:Idempotency:LeaseSeconds"] = "1",
            ["HeadlessNews:Idempotency:WaitSeconds"] = "5",
        });
        using var admin = AdminOf(app);

        // Hold the request inside its work: its insert waits for this lock.
        var blocker = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await blocker.OpenAsync();
        var lockTx = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("lock table articles in share mode", transaction: lockTx);
        var first = admin.SendAsync(Create("ferry-3"));
        await WaitForAsync("select exists (select 1 from pg_locks where not granted and relation = 'articles'::regclass)");

        await GlobalSetup.Database.StopAsync();
        try
        {
            Assert.That((await first).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            await GlobalSetup.Database.StartAsync();
            await blocker.DisposeAsync();
        }
        // Connections pooled before the restart are dead; the first request to meet one would clear the pool.
        ClearPools(app);
        ClearPools(GlobalSetup.Factory);

        var retry = await admin.SendAsync(Create("ferry-3"));
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created), await retry.Content.ReadAsStringAsync());
        Assert.That(Replayed(retry), Is.False);
        var again = await admin.SendAsync(Create("ferry-3"));
        Assert.That(Replayed(again), Is.True);
        Assert.That(again.Headers.Location, Is.EqualTo(retry.Headers.Location));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));
    }

    [Test]
    public async Task AnArticleWriteStoresItsAnswerInItsOwnTransaction()
    {
        // So the window above cannot open for article writes: the answer commits with the article or not at all.
        var first = await Admin.SendAsync(Create("ferry-5"));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // now() is the transaction's start: equal times mean one transaction.
        Assert.That(await SqlAsync<bool>("select k.completed_at = a.created_at from idempotency_keys k, articles a"), Is.True);
        var again = await Admin.SendAsync(Create("ferry-5"));
        Assert.That(Replayed(again), Is.True);
        Assert.That(await again.Content.ReadAsByteArrayAsync(), Is.EqualTo(await first.Content.ReadAsByteArrayAsync()));
        Assert.That((again.Headers.Location, again.Headers.ETag), Is.EqualTo((first.Headers.Location, first.Headers.ETag)));
    }

    [TestCase("/api/v1/manage/tags", """{"slug":"ferries","name":"Ferries","kind":"topic"}""", "tags", null)]
    [TestCase("/api/v1/manage/keys", """{"name":"Ferry desk","role":"editor"}""", "api_keys", "key")]
    [TestCase("/api/v1/manage/webhooks", """{"url":"http://127.0.0.1:9/hooks","events":["article.published"]}""", "webhook_subscriptions", "secret")]
    public async Task OtherCreatesStoreTheirAnswerInTheirOwnTransactionToo(string path, string body, string table, string? secret)
    {
        HttpRequestMessage Post()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "other-create");
            return request;
        }
        var first = await Admin.SendAsync(Post());
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), await first.Content.ReadAsStringAsync());
        Assert.That(await SqlAsync<bool>($"select k.completed_at = t.created_at from idempotency_keys k, {table} t order by t.created_at desc limit 1"), Is.True);
        var again = await Admin.SendAsync(Post());
        Assert.That(Replayed(again), Is.True);
        Assert.That(again.Headers.Location, Is.EqualTo(first.Headers.Location));
        var replayed = System.Text.Json.Nodes.JsonNode.Parse(await again.Content.ReadAsStringAsync())!.AsObject();
        var original = System.Text.Json.Nodes.JsonNode.Parse(await first.Content.ReadAsStringAsync())!.AsObject();
        if (secret is not null)
        {
            Assert.That(replayed[secret], Is.Null, "a replay never shows the secret again");
            original[secret] = null;
        }
        Assert.That(replayed.ToJsonString(), Is.EqualTo(original.ToJsonString()));
    }

    [Test]
    public async Task ARetryOfAnAbandonedCreateWhoseWorkHadCommittedNeverMakesASecondArticle()
    {
        // The state a crash between the commit and the stored answer would leave, made by hand (creates now store their
        // answer in their own transaction; the import, which commits batch by batch, still does not). Were it ever
        // reached, the retry runs the create again, and the article's unique slug refuses it.
        var first = await Admin.SendAsync(Create("ferry-4"));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await SqlAsync<int>("""
            update idempotency_keys set completed_at = null, status_code = null, body = null, lease_until = now() - interval '1 second'
            returning 1
            """);

        await AssertProblemAsync(await Admin.SendAsync(Create("ferry-4")), HttpStatusCode.Conflict);
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));
    }

    private static HttpClient AdminOf(HeadlessNewsApiFactory app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
        return client;
    }

    private static void ClearPools(HeadlessNewsApiFactory app)
    {
        app.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        app.Services.GetRequiredService<DeliveryDataSource>().Source.Clear();
    }

    private static async Task WaitForAsync(string condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await SqlAsync<bool>(condition))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting for: " + condition);
            await Task.Delay(50);
        }
    }
}
