using Dapper;
using DbUp;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>Applies the embedded Migrations/*.sql files in order, once each, recorded in schema_migrations.</summary>
internal sealed class Migrator(NpgsqlDataSource dataSource, IConfiguration configuration, ILogger<Migrator> logger)
{
    // Any fixed number works; it only has to be the same in every instance so that two starting together migrate once.
    private const long AdvisoryLockKey = 0x4865_6164_4E65_7773;

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: ct));
        try
        {
            // Migrations run once per start: an unpooled connection cannot be one a database restart left dead. No
            // command timeout: a migration that fills a new table from every article (0050) runs for minutes on a
            // million articles, and Npgsql's default of 30 s cancelled it there, leaving the API unable to start.
            var connectionString = new NpgsqlConnectionStringBuilder(DatabaseExtensions.ConnectionString(configuration))
            {
                Pooling = false,
                CommandTimeout = 0,
            }.ConnectionString;
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, name => name.Contains(".Migrations.", StringComparison.Ordinal))
                .JournalToPostgresqlTable("public", "schema_migrations")
                .WithTransactionPerScript()
                .LogToNowhere()
                .Build();

            var result = upgrader.PerformUpgrade();
            if (result.Error is NpgsqlException { IsTransient: true })
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(result.Error);
            if (!result.Successful)
                throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error?.Message}", result.Error);
            foreach (var script in result.Scripts)
                logger.LogInformation("Applied migration {Script}", script.Name);
        }
        finally
        {
            await connection.ExecuteAsync("select pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
    }
}
