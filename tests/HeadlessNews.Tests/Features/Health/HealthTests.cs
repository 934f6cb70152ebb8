using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Health;

public sealed class HealthTests : ApiTestBase
{
    [Test]
    public async Task LiveAndReadyAnswerHealthyWhenTheDatabaseIsUp()
    {
        Assert.That((await Anonymous.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ready = await Anonymous.GetAsync("/health/ready");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ready.Content.ReadAsStringAsync(), Does.Contain("Healthy"));
    }

    [Test]
    public async Task WhileTheDatabaseIsDownRequestsGet503AndTheApiRecoversByItself()
    {
        var id = await CreatePublishedAsync("survivor");
        Assert.That((await Anonymous.GetAsync("/api/v1/articles/survivor")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await GlobalSetup.Database.StopAsync();
        try
        {
            // What the delivery cache already holds is still served; anything that needs the database is a clean 503.
            Assert.That((await Anonymous.GetAsync("/api/v1/articles/survivor")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            foreach (var url in new[] { "/api/v1/articles/not-cached", "/api/v1/articles?limit=3", "/api/v1/tags" })
            {
                var response = await Anonymous.GetAsync(url);
                var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.That(response.Headers.RetryAfter, Is.Not.Null, url);
                Assert.That(problem.ToJsonString(), Does.Not.Contain("   at "), "no stack trace");
            }
            await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}"), HttpStatusCode.ServiceUnavailable);
            await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "x", name = "x", kind = "topic" }), HttpStatusCode.ServiceUnavailable);
            Assert.That((await Anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await Anonymous.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            await GlobalSetup.Database.StartAsync();
        }

        // No restart of the API: at most one request finds a connection that died with the old server.
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 3; attempt++)
            statuses.Add((await Admin.GetAsync($"/api/v1/manage/articles/{id}")).StatusCode);
        Assert.That(statuses.Skip(1), Is.All.EqualTo(HttpStatusCode.OK), string.Join(", ", statuses));
        Assert.That((await Anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "after", name = "After", kind = "topic" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }
}
