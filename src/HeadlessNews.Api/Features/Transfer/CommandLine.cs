using HeadlessNews.Api.Infrastructure.Database;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>
/// The commands of the application (migrate, export, import). A missing or wrong connection string, a setting the
/// API would refuse at start, an unreachable database or a missing file is one line on stderr and exit code 2, not a
/// stack trace.
/// </summary>
internal static class CommandLine
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        var name = $"ConnectionStrings:{DatabaseExtensions.ConnectionStringName}";
        try
        {
            _ = new NpgsqlConnectionStringBuilder(DatabaseExtensions.ConnectionString(services.GetRequiredService<IConfiguration>()));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{args[0]}: {name} is not a PostgreSQL connection string: {e.Message}");
            return 2;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"{args[0]}: {e.Message}");
            return 2;
        }
        // The settings are checked as the API checks them at start, and named in one line.
        if (HeadlessNewsOptionsValidator.FirstProblem(services) is { } problem)
        {
            Console.Error.WriteLine($"{args[0]}: configuration: {problem}");
            return 2;
        }
        try
        {
            await services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
            var language = services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value.Search.Language;
            if (await DatabaseExtensions.SearchLanguageProblemAsync(services.GetRequiredService<NpgsqlDataSource>(), language, CancellationToken.None) is { } languageProblem)
            {
                Console.Error.WriteLine($"{args[0]}: configuration: {languageProblem}");
                return 2;
            }
            return args[0] == "migrate" ? 0 : await TransferCommands.RunAsync(services, args);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Console.Error.WriteLine($"{args[0]}: cannot use the database {name} names: {e.Message}");
            return 2;
        }
        // A file that cannot be opened or written.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{args[0]}: {e.Message}");
            return 2;
        }
    }
}
