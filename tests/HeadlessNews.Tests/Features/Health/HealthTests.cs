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
        await CreatePublishedAsync("survivor");
        Assert.That((await Anonymous.GetAsync("/api/v1/articles/survivor")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await GlobalSetup.Database.StopAsync();
        try
        {
            foreach (var url in new[] { "/api/v1/articles/survivor", "/api/v1/articles", "/api/v1/tags" })
            {
                var response = await Anonymous.GetAsync(url);
                var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.That(response.Headers.RetryAfter, Is.Not.Null, url);
                Assert.That(problem.ToJsonString(), Does.Not.Contain("   at "), "no stack trace");
            }
            await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "x", name = "x", kind = "topic" }), HttpStatusCode.ServiceUnavailable);
            Assert.That((await Anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await Anonymous.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            await GlobalSetup.Database.StartAsync();
        }

        // No restart of the API: the pool notices the new server on its own.
        HttpStatusCode status = 0;
        for (var attempt = 0; attempt < 20 && status != HttpStatusCode.OK; attempt++)
        {
            status = (await Anonymous.GetAsync("/api/v1/articles/survivor")).StatusCode;
            if (status != HttpStatusCode.OK)
                await Task.Delay(250);
        }
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
