using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Audit;

/// <summary>
/// The audit trail is complete under load: a burst of writes far above the connection pool's size, and every write
/// that committed has its entry, with the status it was answered, and so has every refused one. Entries used to be
/// written after the answer, from the main pool, and were dropped when no connection came in time.
/// </summary>
public sealed class AuditUnderLoadTests : ApiTestBase
{
    [Test]
    public async Task EveryCommittedWriteOfABurstHasItsAuditEntry()
    {
        // One connection, given up on after a second: many creates are refused (503) and the rest queue for it.
        await using var app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString + ";Maximum Pool Size=1;Timeout=1");
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            admin.PostAsJsonAsync("/api/v1/manage/articles", new { slug = $"audit-burst-{i}", title = $"Burst {i}" })));

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Headers.Location!.ToString().Split('/').Last()).ToList();
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(created.Count));
        Assert.That(created, Is.Not.Empty);
        var audited = await SqlAsync<string>("""
            select coalesce(string_agg(resource_id, ',' order by resource_id), '') from audit_log where action = 'CreateArticle' and status_code = 201
            """);
        Assert.That(audited.Split(',', StringSplitOptions.RemoveEmptyEntries), Is.EquivalentTo(created));
        // Whatever was not created was refused with a status that says why, and is in the trail too.
        Assert.That(await SqlAsync<long>("select count(*) from audit_log where action = 'CreateArticle'"), Is.EqualTo(60));
        Assert.That(responses.Select(r => (int)r.StatusCode), Is.All.EqualTo(201).Or.EqualTo(503));
    }
}
