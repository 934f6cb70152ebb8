using Dapper;
using HeadlessNews.Api.Features.Demo;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

internal static class DatabaseExtensions
{
    public const string ConnectionStringName = "HeadlessNews";

    public static void AddDatabase(this WebApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        // Read at resolve time, not here, so configuration added later (tests, hosts) still wins.
        builder.Services.AddSingleton(sp =>
        {
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidOperationException(
                    $"ConnectionStrings:{ConnectionStringName} is not set (environment: ConnectionStrings__{ConnectionStringName}).");
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            dataSource.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<DemoContentLoader>();
    }

    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value;
        if (options.RunMigrations)
            await app.Services.GetRequiredService<Migrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
        if (options.DemoContent)
            await app.Services.GetRequiredService<DemoContentLoader>().LoadAsync(app.Lifetime.ApplicationStopping);
    }
}
