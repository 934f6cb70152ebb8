using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using HeadlessNews.Tests.Infrastructure;
using Npgsql;

namespace HeadlessNews.Tests.Features.Faults;

/// <summary>
/// The API process killed (SIGKILL) in the middle of a burst of keyed creates and started again on the same database:
/// a client that retries each unanswered request with its own key ends with every article exactly once, and a retry
/// of an answered one replays that answer. The kill comes at a point the test sets: a first part of the burst answered,
/// the rest held in flight by a lock on the articles table.
/// </summary>
public sealed class KilledProcessTests : ApiTestBase
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["HeadlessNews__RateLimits__Enabled"] = "false",
        ["HeadlessNews__Idempotency__LeaseSeconds"] = "2",
    };

    [Test]
    public async Task EveryCreateOfABurstCutByAKillEndsStoredExactlyOnce()
    {
        const int burst = 300;
        var port = TestDatabase.FreePort();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
        var answered = new ConcurrentDictionary<int, Uri>();
        var api = await ApiProcess.StartAsync(port, Settings);
        try
        {
            async Task<HttpStatusCode?> SendAsync(int i)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/api/v1/manage/articles")
                {
                    Content = JsonContent.Create(new { slug = $"ferry-{i}", title = $"Ferry {i}" }),
                };
                request.Headers.Add("Idempotency-Key", $"ferry-key-{i}");
                try
                {
                    var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.Created)
                        answered[i] = response.Headers.Location!;
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return null; // no answer: the process died under it
                }
                catch (TaskCanceledException)
                {
                    return null;
                }
            }

            // The first part of the burst is answered before anything else happens.
            const int answeredFirst = 20;
            var first = await Task.WhenAll(Enumerable.Range(0, answeredFirst).Select(SendAsync));
            Assert.That(first, Is.All.EqualTo(HttpStatusCode.Created));

            // The rest is held in flight: a lock on the articles table stops every insert, so the kill cuts requests
            // that have claimed their key and not stored their article (and, behind them, requests still queued).
            await using var holder = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
            await holder.OpenAsync();
            var hold = await holder.BeginTransactionAsync();
            await holder.ExecuteAsync("lock table articles in share mode", transaction: hold);
            var sending = Task.WhenAll(Enumerable.Range(answeredFirst, burst - answeredFirst).Select(SendAsync));
            const int heldInserts = 10;
            var waiting = 0L;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((waiting = await holder.ExecuteScalarAsync<long>(
                       "select count(*) from pg_locks where relation = 'articles'::regclass and not granted", transaction: hold)) < heldInserts
                   && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            Assert.That(waiting, Is.GreaterThanOrEqualTo(heldInserts), "the creates never reached the held table");
            api.Kill();
            await sending;
            // The killed process's sessions go when they next hear from it: none of them commits.
            await hold.RollbackAsync();
            var beforeKill = new Dictionary<int, Uri>(answered);
            Assert.That(beforeKill, Has.Count.EqualTo(answeredFirst), "a create answered while the table was held");

            api.Dispose();
            api = await ApiProcess.StartAsync(port, Settings);
            // A careful client retries each request with its own key until it has an answer: 409 while a claim the
            // dead process left has not run out its lease.
            foreach (var i in Enumerable.Range(0, burst))
            {
                var until = DateTime.UtcNow.AddSeconds(30);
                HttpStatusCode? status;
                while ((status = await SendAsync(i)) is not HttpStatusCode.Created && DateTime.UtcNow < until)
                    await Task.Delay(100);
                Assert.That(status, Is.EqualTo(HttpStatusCode.Created), $"ferry-{i}");
            }

            Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(burst));
            Assert.That(await SqlAsync<long>("select count(distinct slug) from articles"), Is.EqualTo(burst));
            foreach (var (i, location) in beforeKill)
                Assert.That(answered[i], Is.EqualTo(location), $"ferry-{i} was answered before the kill: its retry replays that answer");
        }
        finally
        {
            api.Dispose();
        }
    }
}
