using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HeadlessNews.Tests.Features.Health;

/// <summary>A database that refuses connections because it has too many clients is unavailable, not an error of ours.</summary>
public sealed class DatabaseSaturationTests : ApiTestBase
{
    private const string Role = "headlessnews_limited";

    private static async Task AsOwnerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.ExecuteAsync(sql);
    }

    [Test]
    public async Task TooManyConnectionsForTheRoleIsA503WithRetryAfterAndTheApiRecovers()
    {
        await AsOwnerAsync($"""
            do $$ begin
                if not exists (select 1 from pg_roles where rolname = '{Role}') then
                    create role {Role} login password 'limited';
                end if;
            end $$;
            alter role {Role} connection limit -1;
            grant select, insert, update, delete on all tables in schema public to {Role};
            grant usage, select on all sequences in schema public to {Role};
            """);
        var connectionString = new NpgsqlConnectionStringBuilder(GlobalSetup.Database.ConnectionString) { Username = Role, Password = "limited" }.ConnectionString;
        await using var app = new HeadlessNewsApiFactory(connectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:RunMigrations"] = "false",
            ["HeadlessNews:Caching:InProcessSeconds"] = "0",
        });
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
        Assert.That((await admin.GetAsync("/api/v1/manage/keys")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // The role may open no more connections (SQLSTATE 53300), and the app's pools hold none it could reuse.
        await AsOwnerAsync($"alter role {Role} connection limit 0");
        app.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        app.Services.GetRequiredService<DeliveryDataSource>().Source.Clear();
        try
        {
            var keyed = new HttpRequestMessage(HttpMethod.Post, "/api/v1/manage/tags") { Content = JsonContent.Create(new { slug = "x", name = "x", kind = "topic" }) };
            keyed.Headers.Add("Idempotency-Key", "saturated-1");
            foreach (var response in new[]
                     {
                         await admin.GetAsync("/api/v1/manage/keys"),
                         await admin.GetAsync("/api/v1/tags"),
                         await admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "y", name = "y", kind = "topic" }),
                         await admin.SendAsync(keyed),
                     })
            {
                var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.That(response.Headers.RetryAfter, Is.Not.Null);
                Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Retry"));
            }
        }
        finally
        {
            await AsOwnerAsync($"alter role {Role} connection limit -1");
        }

        Assert.That((await admin.GetAsync("/api/v1/manage/keys")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "after", name = "After", kind = "topic" })).StatusCode,
            Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task AnExhaustedConnectionPoolIsA503WithRetryAfter()
    {
        await using var app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString + ";Maximum Pool Size=1;Timeout=1");
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);

        await using (await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
        {
            var response = await admin.GetAsync("/api/v1/manage/keys");
            await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.That(response.Headers.RetryAfter, Is.Not.Null);
        }
        // The app's background work shares the one connection, so a request may still meet it busy for a moment.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await admin.GetAsync("/api/v1/manage/keys")).StatusCode != HttpStatusCode.OK)
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the API did not recover once the pool had a connection again");
    }
}
