using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Respawn;
using Respawn.Graph;

namespace HeadlessNews.Tests;
using HeadlessNews.Tests.Contract;
using HeadlessNews.Tests.Infrastructure;

/// <summary>One database and one application for the whole run; every test starts from empty tables.</summary>
[SetUpFixture]
public sealed class GlobalSetup
{
    internal static TestDatabase Database { get; private set; } = null!;
    internal static HeadlessNewsApiFactory Factory { get; private set; } = null!;
    private static Respawner? _respawner;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Database = await TestDatabase.StartNewAsync();
        Factory = new HeadlessNewsApiFactory(Database.ConnectionString);
        // Creating the client starts the app, which runs the real migrations.
        Factory.CreateClient().Dispose();
    }

    private static readonly List<BackgroundService> Running = [];

    /// <summary>
    /// Empties every table and drops what the app cached from them, then starts the background services the test asked
    /// for (none by default). Whatever the last test had running was stopped first, so none of its work runs across
    /// the reset into the next test.
    /// </summary>
    internal static async Task ResetAsync(Background background = Background.None)
    {
        await StopBackgroundAsync();
        await using var connection = new NpgsqlConnection(UnpooledConnectionString);
        await connection.OpenAsync();
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            // The one row of search's horizons (0052) is there from the migration on: put back to where it starts.
            TablesToIgnore = [new Table("public", "schema_migrations"), new Table("public", "article_search_recent_horizon")],
        });
        await _respawner.ResetAsync(connection);
        await using (var horizon = new NpgsqlCommand("update article_search_recent_horizon set newest_after = '-infinity', kept_after = '-infinity'", connection))
            await horizon.ExecuteNonQueryAsync();
        // The tables were emptied behind the app's back: drop what it cached from them.
        await Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        foreach (var (type, flag) in BackgroundServices.Flags)
        {
            if (!background.HasFlag(flag))
                continue;
            var service = (BackgroundService)Factory.Services.GetRequiredService(type);
            await service.StartAsync(CancellationToken.None);
            Running.Add(service);
        }
    }

    /// <summary>Stops what the last test started; a service that failed (rather than stopped) fails the test that ran it.</summary>
    internal static async Task StopBackgroundAsync()
    {
        var failures = new List<string>();
        foreach (var service in Running)
        {
            await service.StopAsync(CancellationToken.None);
            if (service.ExecuteTask is { IsFaulted: true } task)
                failures.Add($"{service.GetType().Name} failed: {task.Exception!.InnerException}");
        }
        Running.Clear();
        if (failures.Count > 0)
            Assert.Fail(string.Join("\n", failures));
    }

    // Test-side connections skip the pool, so a database restart under the app leaves no broken ones behind.
    internal static string UnpooledConnectionString => Database.ConnectionString + ";Pooling=false";

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        ContractValidator.Stop();
        await StopBackgroundAsync();
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
