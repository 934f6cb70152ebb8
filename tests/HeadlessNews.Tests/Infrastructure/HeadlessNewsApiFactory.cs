using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>
/// The app in process. Its background services (<see cref="Background"/>) start with it only when
/// <paramref name="background"/> names them; the others are still registered, as plain singletons, so the shared
/// app's test resets can start them for a test that asks (GlobalSetup.ResetAsync).
/// </summary>
internal sealed class HeadlessNewsApiFactory(
    string connectionString, IDictionary<string, string?>? settings = null, Background background = Background.None,
    string environment = "Production") : WebApplicationFactory<Program>
{
    public const string BootstrapAdminKey = "test-bootstrap-admin-key";

    // Readers sign in with HS256 tokens signed with this (ReaderTokenMint); OidcReaderTokenTests run an authority of their own.
    public const string ReaderSigningKey = "test-reader-signing-key-of-at-least-32-bytes";
    public const string ReaderIssuer = "https://signin.news.test";
    public const string ReaderAudience = "headlessnews-test";

    // Configuration goes in here, before Program.cs runs, so everything it reads sees it (dotnet/aspnetcore#37680).
    protected override IHost CreateHost(IHostBuilder builder)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:HeadlessNews"] = connectionString,
            ["HeadlessNews:BootstrapAdminKey"] = BootstrapAdminKey,
            ["HeadlessNews:DemoContent"] = "false",
            ["HeadlessNews:MaxRequestBodyBytes"] = "100000",
            // Receivers run on loopback, and retries must fit in a test's time.
            ["HeadlessNews:Webhooks:AllowLoopback"] = "true",
            ["HeadlessNews:Webhooks:PollMilliseconds"] = "100",
            ["HeadlessNews:Webhooks:BackoffSeconds"] = "0.2",
            ["HeadlessNews:Webhooks:MaxBackoffSeconds"] = "1",
            ["HeadlessNews:Webhooks:AttemptTimeoutSeconds"] = "2",
            ["HeadlessNews:Webhooks:MaxAttempts"] = "12",
            ["HeadlessNews:Scheduling:PollSeconds"] = "0.3",
            // Limits stay on, high enough for a whole test run from one address; RateLimitTests uses tight ones.
            ["HeadlessNews:RateLimits:AnonymousPerMinute"] = "100000",
            ["HeadlessNews:RateLimits:KeyPerMinute"] = "100000",
            ["HeadlessNews:RateLimits:PartnerPerMinute"] = "100000",
            ["HeadlessNews:RateLimits:ManagementWritesPerMinute"] = "100000",
            ["HeadlessNews:Readers:SigningKey"] = ReaderSigningKey,
            ["HeadlessNews:Readers:Issuer"] = ReaderIssuer,
            ["HeadlessNews:Readers:Audience"] = ReaderAudience,
            // ReaderRateLimitTests use a tight one.
            ["HeadlessNews:Comments:PerReaderPerMinute"] = "100000",
        };
        // A test's own settings win over the defaults above.
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            values[key] = value;
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(values));
        builder.ConfigureLogging(logging => logging.AddProvider(CapturedLogs.Instance));
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, Contract.ExchangeRecorder.StartupFilter>());
        builder.ConfigureServices(services =>
        {
            var ours = services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType is { } type
                    && type.Assembly == typeof(Program).Assembly && typeof(BackgroundService).IsAssignableFrom(type)).ToList();
            foreach (var descriptor in ours)
            {
                var type = descriptor.ImplementationType!;
                if (BackgroundServices.AlwaysOn.Contains(type))
                    continue;
                if (!BackgroundServices.Flags.TryGetValue(type, out var flag))
                    throw new InvalidOperationException($"{type.Name} is a background service the tests do not know: add it to BackgroundServices.Flags.");
                if (background.HasFlag(flag))
                    continue;
                services.Remove(descriptor);
                services.AddSingleton(type);
            }
        });
    }
}
