using HeadlessNews.Api;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Features.Audit;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Features.Conversation;
using HeadlessNews.Api.Features.Demo;
using HeadlessNews.Api.Features.Feeds;
using HeadlessNews.Api.Features.Health;
using HeadlessNews.Api.Features.Keys;
using HeadlessNews.Api.Features.Revisions;
using HeadlessNews.Api.Features.Search;
using HeadlessNews.Api.Features.Tags;
using HeadlessNews.Api.Features.Transfer;
using HeadlessNews.Api.Features.Webhooks;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using HeadlessNews.Api.Infrastructure.OpenApi;
using Microsoft.Extensions.Options;

// `dotnet HeadlessNews.Api.dll healthcheck` lets the container probe itself without curl in the image.
if (args is ["healthcheck", ..])
    return await HealthProbe.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
// The commands print their own progress: only warnings and errors from the rest.
if (args is ["migrate" or "export" or "import", ..])
    builder.Logging.SetMinimumLevel(LogLevel.Warning);

// Configuration
builder.Services.AddOptions<HeadlessNewsOptions>().BindConfiguration(HeadlessNewsOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<HeadlessNewsOptions>, HeadlessNewsOptionsValidator>();

// Database, migrations and demo content
builder.AddDatabase();

// HTTP: JSON rules, validation, problem details, limits
builder.AddHttpConventions();

// Delivery caching: conditional GET, Cache-Control, in-process cache with purge on write
builder.Services.AddDeliveryCaching();

// Cross-origin rules and compression
builder.Services.AddCorsAndCompression();

// Authentication and roles
builder.Services.AddApiKeyAuth();

// Rate limits per key and per client address
builder.Services.AddRateLimits();

// Editorial safety: audit trail, Idempotency-Key on management POSTs
builder.Services.AddAuditTrail();
builder.Services.AddSingleton<IdempotencyMiddleware>();
builder.Services.AddSingleton<IdempotentAnswers>();
builder.Services.AddScoped<ArticleImporter>();

// The one write path for articles: revisions, events, change feed, purge
builder.Services.AddSingleton<ArticleWriter>();

// Delivery pages look their cards' tags up in memory (a copy kept in step by tag_generation)
builder.Services.AddSingleton<TagDirectory>();
builder.Services.AddSingleton<SearchStatistics>();
builder.Services.AddHostedService<RecentBodies>();

// Partners: scheduled publishes announced, change feed
builder.Services.AddHostedService<SchedulePublisher>();
builder.Services.AddHostedService<SearchReindexer>();
builder.Services.AddWebhooks();

// Reader comments: per-reader write limits (reader tokens are part of AddApiKeyAuth's schemes)
builder.Services.AddSingleton<ReaderWriteLimit>();

// Health
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

// OpenAPI
builder.Services.AddOpenApiDocument();

var app = builder.Build();

// `dotnet HeadlessNews.Api.dll migrate` applies migrations and exits; `export FILE` / `import FILE`: bulk NDJSON
// with a progress bar and a summary.
if (args is ["migrate" or "export" or "import", ..])
    return await CommandLine.RunAsync(app.Services, args);

// A setting the app cannot work with stops it here, in one line that names the setting.
if (HeadlessNewsOptionsValidator.FirstProblem(app.Services) is { } problem)
{
    Console.Error.WriteLine("Configuration: " + problem);
    return 1;
}

// The same for a setting only the database can check (the search language).
if (await app.PrepareDatabaseAsync() is { } databaseProblem)
{
    Console.Error.WriteLine("Configuration: " + databaseProblem);
    return 1;
}

app.UseHeadAsGetThenRouting();
app.UseResponseCompression();
app.UseHttpConventions();
app.UseCors();
app.UseAuthenticationOfCredentials();
app.UseRateLimits();
app.UseMiddleware<AuditMiddleware>();
app.UseAuthorization();
app.UseMiddleware<IdempotencyMiddleware>();
app.UseOpenApiDocument();

app.MapHealth();
app.MapArticles();
app.MapTags();
app.MapSearch();
app.MapManageArticles();
app.MapRevisions();
app.MapAudit();
app.MapTransfer();
app.MapManageTags();
app.MapKeys();
app.MapChangeFeed();
app.MapWebhooks();
app.MapFeeds();
app.MapSitemaps();
app.MapDemoImages();
app.MapConversation();
app.MapModeration();
app.MapDevSignIn();

app.Run();
return 0;
