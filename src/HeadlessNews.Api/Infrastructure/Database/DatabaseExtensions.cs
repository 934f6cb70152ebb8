using Dapper;
using HeadlessNews.Api.Features.Demo;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;

namespace HeadlessNews.Api.Infrastructure.Database;

internal static class DatabaseExtensions
{
    public const string ConnectionStringName = "HeadlessNews";

    /// <summary>An optional streaming standby for delivery reads (see DeliveryDataSource).</summary>
    public const string ReplicaConnectionStringName = "HeadlessNewsReplica";

    public static void AddDatabase(this WebApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        // Read at resolve time, not here, so configuration added later (tests, hosts) still wins.
        builder.Services.AddSingleton(sp => BuildDataSource(sp, _ => { }));
        builder.Services.AddSingleton<Cluster.ReplicaState>();
        builder.Services.AddOptions<Cluster.ReplicaOptions>().BindConfiguration(Cluster.ReplicaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var replica = sp.GetRequiredService<IConfiguration>().GetConnectionString(ReplicaConnectionStringName);
            var hasReplica = !string.IsNullOrWhiteSpace(replica);
            return new DeliveryDataSource(
                BuildDataSource(sp, DeliveryDataSource.Configure),
                sp.GetRequiredService<NpgsqlDataSource>(),
                hasReplica ? BuildDataSource(sp, DeliveryDataSource.Configure, replica) : null,
                hasReplica ? BuildDataSource(sp, _ => { }, replica) : null,
                sp.GetRequiredService<Cluster.ReplicaState>());
        });
        builder.Services.AddHostedService<Cluster.ReplicaMonitor>();
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<DemoContentLoader>();
    }

    public static string ConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment: ConnectionStrings__{ConnectionStringName}).");
        return connectionString;
    }

    internal static NpgsqlDataSource BuildDataSource(IServiceProvider services, Action<NpgsqlConnectionStringBuilder> configure, string? connectionString = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString ?? ConnectionString(services.GetRequiredService<IConfiguration>()));
        configure(builder.ConnectionStringBuilder);
        builder.UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
        return builder.Build();
    }

    /// <summary>
    /// Null when HeadlessNews:Search:Language names a text-search configuration of this PostgreSQL; otherwise one line
    /// that names the setting and the configurations there are. A misspelt language would otherwise fail every article
    /// write and every search, so the API and the command-line tools stop at start instead. The value is cast exactly
    /// as the writes cast it (regconfig), so what passes here is what they accept (English, pg_catalog.english).
    /// </summary>
    public static async Task<string?> SearchLanguageProblemAsync(NpgsqlDataSource db, string language, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            await connection.ExecuteScalarAsync<string>(new CommandDefinition("select @language::regconfig::text", new { language }, cancellationToken: ct));
            return null;
        }
        // No such configuration, not a name at all, a schema that does not exist: whatever the cast refuses, short of the
        // database going away (which the caller retries).
        catch (PostgresException e) when (!e.IsTransient)
        {
            var known = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                "select string_agg(cfgname::text, ', ' order by cfgname) from pg_ts_config", cancellationToken: ct));
            return $"{HeadlessNewsOptions.Section}:Search:Language is '{language}', which is not a text-search configuration "
                   + $"of this PostgreSQL; use one of: {known}.";
        }
    }

    /// <summary>Migrates, checks the settings that depend on the database, loads the demo content; returns the first setting problem.</summary>
    public static async Task<string?> PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseExtensions));
        // Containers often start before their database accepts connections: wait for it rather than crash-loop.
        var untilReachable = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e is not PostgresException || e.IsTransient),
                MaxRetryAttempts = 30,
                Delay = TimeSpan.FromSeconds(2),
                OnRetry = retry =>
                {
                    logger.LogWarning("Waiting for PostgreSQL ({Attempt}/30): {Error}", retry.AttemptNumber + 1, retry.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        var stopping = app.Lifetime.ApplicationStopping;
        if (options.RunMigrations)
            await untilReachable.ExecuteAsync(ct => new ValueTask(app.Services.GetRequiredService<Migrator>().MigrateAsync(ct)), stopping);
        var db = app.Services.GetRequiredService<NpgsqlDataSource>();
        var problem = await untilReachable.ExecuteAsync(async ct => await SearchLanguageProblemAsync(db, options.Search.Language, ct), stopping);
        if (problem is not null)
            return problem;
        if (options.DemoContent)
            await untilReachable.ExecuteAsync(ct => new ValueTask(app.Services.GetRequiredService<DemoContentLoader>().LoadAsync(ct)), stopping);
        return null;
    }
}
