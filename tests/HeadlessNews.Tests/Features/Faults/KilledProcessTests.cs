using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Faults;

/// <summary>
/// The API process killed (SIGKILL) in the middle of a burst of keyed creates and started again on the same database:
/// a client that retries each unanswered request with its own key ends with every article exactly once, and a retry
/// of an answered one replays that answer.
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

            var sending = Task.WhenAll(Enumerable.Range(0, burst).Select(SendAsync));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (answered.Count < 20 && DateTime.UtcNow < deadline)
                await Task.Delay(5);
            api.Kill();
            await sending;
            var beforeKill = new Dictionary<int, Uri>(answered);
            Assert.That(beforeKill, Has.Count.LessThan(burst), "the kill came after the whole burst was answered");

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
