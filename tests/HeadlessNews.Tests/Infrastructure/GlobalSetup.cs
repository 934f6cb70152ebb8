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

    internal static async Task ResetAsync()
    {
        // The last test's background work (webhook deliveries, the scheduler, re-indexing) stops before its tables are
        // emptied and starts afresh after, so none of it runs across the reset into the next test.
        var background = Factory.Services.GetServices<IHostedService>().OfType<BackgroundService>()
            .Where(s => s.GetType().Assembly == typeof(DeliveryCacheInvalidator).Assembly).ToList();
        foreach (var service in background)
            await service.StopAsync(CancellationToken.None);
        await using var connection = new NpgsqlConnection(UnpooledConnectionString);
        await connection.OpenAsync();
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToIgnore = [new Table("public", "schema_migrations")],
        });
        await _respawner.ResetAsync(connection);
        // The tables were emptied behind the app's back: drop what it cached from them.
        await Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        foreach (var service in background)
            await service.StartAsync(CancellationToken.None);
    }

    // Test-side connections skip the pool, so a database restart under the app leaves no broken ones behind.
    internal static string UnpooledConnectionString => Database.ConnectionString + ";Pooling=false";

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        ContractValidator.Stop();
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
