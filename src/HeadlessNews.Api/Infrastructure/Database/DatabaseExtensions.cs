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

    public static void AddDatabase(this WebApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        // Read at resolve time, not here, so configuration added later (tests, hosts) still wins.
        builder.Services.AddSingleton(sp => BuildDataSource(sp, _ => { }));
        builder.Services.AddSingleton(sp => new DeliveryDataSource(BuildDataSource(sp, DeliveryDataSource.Configure)));
        builder.Services.AddSingleton<Migrator>();
        // Scoped: it uses the validators, which are scoped (the Development environment checks this at start).
        builder.Services.AddScoped<DemoContentLoader>();
    }

    public static string ConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment: ConnectionStrings__{ConnectionStringName}).");
        return connectionString;
    }

    internal static NpgsqlDataSource BuildDataSource(IServiceProvider services, Action<NpgsqlConnectionStringBuilder> configure)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString(services.GetRequiredService<IConfiguration>()));
        configure(builder.ConnectionStringBuilder);
        builder.UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
        return builder.Build();
    }

    // A misspelt language would otherwise fail every article write; fail at start instead, saying why.
    private static async Task CheckSearchLanguageAsync(IServiceProvider services, string language, CancellationToken ct)
    {
        await using var connection = services.GetRequiredService<NpgsqlDataSource>().CreateConnection();
        var known = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from pg_ts_config where cfgname = @language)", new { language }, cancellationToken: ct));
        if (!known)
            throw new InvalidOperationException(
                $"HeadlessNews:Search:Language '{language}' is not a text-search configuration of this PostgreSQL (see pg_ts_config).");
    }

    public static async Task PrepareDatabaseAsync(this WebApplication app)
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
        await untilReachable.ExecuteAsync(ct => new ValueTask(CheckSearchLanguageAsync(app.Services, options.Search.Language, ct)), stopping);
        if (options.DemoContent)
            await untilReachable.ExecuteAsync(async ct =>
            {
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<DemoContentLoader>().LoadAsync(ct);
            }, stopping);
    }
}
