using Microsoft.Extensions.Options;

namespace HeadlessNews.Api;

/// <summary>Settings under "HeadlessNews" (environment: HeadlessNews__Name).</summary>
public sealed class HeadlessNewsOptions
{
    public const string Section = "HeadlessNews";

    /// <summary>An admin key accepted from configuration so a fresh install can mint real keys.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>Load the demo newsroom at start (idempotent).</summary>
    public bool DemoContent { get; set; }

    /// <summary>Apply pending migrations at start; turn off when a release step runs them.</summary>
    public bool RunMigrations { get; set; } = true;

    /// <summary>The public site the articles live on; canonical URLs default to {SiteUrl}/articles/{slug}.</summary>
    public string SiteUrl { get; set; } = "https://news.example.com";

    /// <summary>
    /// Where the public reaches this API (scheme, host and any base path): the absolute URLs feeds and sitemaps give
    /// for themselves. Never taken from the request's Host header, which any client can set and caches would keep.
    /// </summary>
    public string PublicApiUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_000_000;

    /// <summary>Full-text search settings (HeadlessNews:Search:*).</summary>
    public SearchSettings Search { get; set; } = new();

    /// <summary>Scheduled publishing (HeadlessNews:Scheduling:*).</summary>
    public SchedulingSettings Scheduling { get; set; } = new();

    /// <summary>Webhook delivery (HeadlessNews:Webhooks:*).</summary>
    public WebhookSettings Webhooks { get; set; } = new();

    /// <summary>Feeds and sitemaps (HeadlessNews:Feeds:*).</summary>
    public FeedSettings Feeds { get; set; } = new();

    /// <summary>Idempotency-Key on management POSTs (HeadlessNews:Idempotency:*).</summary>
    public IdempotencySettings Idempotency { get; set; } = new();

    /// <summary>Reader sign-in tokens (HeadlessNews:Readers:*), docs/conversation.md.</summary>
    public ReaderSettings Readers { get; set; } = new();

    /// <summary>Reader comments (HeadlessNews:Comments:*); the moderation policy itself is kept in the database.</summary>
    public CommentSettings Comments { get; set; } = new();
}

public sealed class ReaderSettings
{
    /// <summary>The HS256 shared secret of the site's sign-in (at least 32 bytes of UTF-8). Empty: no HS256 tokens.</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OpenID Connect authority: RS256/ES256 tokens are checked against the keys its discovery document names.</summary>
    public string? Authority { get; set; }

    /// <summary>The iss every token must carry (defaults to the authority's issuer when only an authority is set).</summary>
    public string? Issuer { get; set; }

    /// <summary>The aud every token must carry.</summary>
    public string? Audience { get; set; }

    /// <summary>Leeway for exp and nbf, in seconds.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Fetch the authority's metadata over https only. Off only for a local identity provider.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The boolean claim that marks the site's own staff (their comments carry the staff badge and skip pre-moderation).</summary>
    public string StaffClaim { get; set; } = "staff";

    /// <summary>
    /// POST /dev/reader-token mints HS256 reader tokens without an identity provider. Development environment only:
    /// the app refuses to start with it in any other environment.
    /// </summary>
    public bool DevSignIn { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(Authority);
}

public sealed class CommentSettings
{
    /// <summary>The longest comment, in characters.</summary>
    public int MaxLength { get; set; } = 2000;

    /// <summary>How long after posting an author may still edit or delete a comment, in minutes.</summary>
    public double EditWindowMinutes { get; set; } = 15;

    /// <summary>Comments, replies, edits and reports one reader may send per minute (separate from key limits).</summary>
    public int PerReaderPerMinute { get; set; } = 10;

    /// <summary>Replies shown under each top-level comment in lists; the rest come from the replies endpoint.</summary>
    public int RepliesShown { get; set; } = 3;

    /// <summary>The same text from the same reader on the same article within this many minutes is a duplicate.</summary>
    public double DuplicateWindowMinutes { get; set; } = 60;
}

public sealed class IdempotencySettings
{
    /// <summary>How long a key's first response is kept for replay.</summary>
    public double RetentionHours { get; set; } = 24;

    /// <summary>How long a retry waits for the first request with its key to finish before answering 409.</summary>
    public double WaitSeconds { get; set; } = 10;

    /// <summary>
    /// How long a claimed key stays claimed without word from its request, which renews the claim every third of
    /// this while it runs. A claim older than this was abandoned (a crash, a lost database) and a retry takes it over.
    /// </summary>
    public double LeaseSeconds { get; set; } = 30;
}

public sealed class FeedSettings
{
    /// <summary>The feeds' title, and the publication name in the news sitemap.</summary>
    public string Title { get; set; } = "HeadlessNews";

    public string Description { get; set; } = "The latest published articles.";

    /// <summary>The language of the content, as an RFC 5646 tag (feeds and the news sitemap).</summary>
    public string Language { get; set; } = "en";

    /// <summary>True: items carry the whole article body; false: the summary only.</summary>
    public bool FullContent { get; set; }

    /// <summary>How many of the newest articles a feed lists.</summary>
    public int Items { get; set; } = 50;

    /// <summary>URLs per sitemap; above this /sitemap.xml becomes a sitemap index (the protocol's limit is 50,000).</summary>
    public int SitemapPageSize { get; set; } = 50_000;
}

public sealed class WebhookSettings
{
    /// <summary>How often the dispatcher looks for due deliveries, in milliseconds.</summary>
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>Attempts before a delivery is dead-lettered (it can be replayed).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The first retry waits about this long; each further one twice as long, with full jitter.</summary>
    public double BackoffSeconds { get; set; } = 10;

    /// <summary>The longest wait between two attempts.</summary>
    public double MaxBackoffSeconds { get; set; } = 3600;

    /// <summary>How long one attempt may take, connection included.</summary>
    public double AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Deliveries in flight at once (at most one per subscription, so a slow receiver holds up only itself).</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Failed attempts in a row after which a subscription is disabled.</summary>
    public int DisableAfterFailures { get; set; } = 50;

    /// <summary>Deliveries a paused (disabled) subscription keeps waiting; beyond this the oldest become dead letters.</summary>
    public int PausedBacklogLimit { get; set; } = 10_000;

    /// <summary>How long the previous secret keeps signing after a rotation, in hours.</summary>
    public double SecretOverlapHours { get; set; } = 24;

    /// <summary>Allow loopback targets (127.0.0.0/8, ::1). For local development and tests only.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow private, link-local and other non-public targets. Only on a trusted network.</summary>
    public bool AllowPrivateNetworks { get; set; }
}

public sealed class SchedulingSettings
{
    /// <summary>
    /// How often due scheduled articles are announced (article.published webhook, change feed). The delivery API,
    /// feeds and sitemaps show them at their time regardless; partners hear within this many seconds.
    /// </summary>
    public double PollSeconds { get; set; } = 5;
}

public sealed class SearchSettings
{
    /// <summary>
    /// The PostgreSQL text-search configuration articles are indexed and searched with (english, german,
    /// simple, …). Articles keep the one they were saved under until they are saved again.
    /// </summary>
    public string Language { get; set; } = "english";
}

/// <summary>
/// Every HeadlessNews setting checked at start: a value the app cannot work with stops it then, with the setting's
/// name, rather than failing requests later (a zero poll interval spins, a zero attempt count never delivers).
/// </summary>
internal sealed class HeadlessNewsOptionsValidator(IHostEnvironment environment) : IValidateOptions<HeadlessNewsOptions>
{
    public ValidateOptionsResult Validate(string? name, HeadlessNewsOptions o)
    {
        var problems = new List<string>();
        void Require(bool ok, string key, string rule)
        {
            if (!ok)
                problems.Add($"{HeadlessNewsOptions.Section}:{key} must be {rule}.");
        }

        Require(Infrastructure.Http.TextRules.IsHttpUrl(o.SiteUrl), "SiteUrl", "an absolute http(s) URL");
        Require(Infrastructure.Http.TextRules.IsHttpUrl(o.PublicApiUrl), "PublicApiUrl", "an absolute http(s) URL");
        Require(o.MaxRequestBodyBytes > 0, "MaxRequestBodyBytes", "above 0");
        Require(!string.IsNullOrWhiteSpace(o.Search.Language), "Search:Language", "a text-search configuration name");
        Require(o.Scheduling.PollSeconds > 0, "Scheduling:PollSeconds", "above 0");
        Require(o.Idempotency.RetentionHours > 0, "Idempotency:RetentionHours", "above 0");
        Require(o.Idempotency.WaitSeconds >= 0, "Idempotency:WaitSeconds", "0 or more");
        Require(o.Idempotency.LeaseSeconds > 0, "Idempotency:LeaseSeconds", "above 0");
        Require(o.Feeds.Items is >= 1 and <= 1000, "Feeds:Items", "from 1 to 1000");
        Require(o.Feeds.SitemapPageSize is >= 1 and <= 50_000, "Feeds:SitemapPageSize", "from 1 to 50000 (the sitemap protocol's limit)");
        Require(o.BootstrapAdminKey is null || !Infrastructure.Auth.ReaderTokens.LooksLikeToken(o.BootstrapAdminKey), "BootstrapAdminKey",
            "unlike a JSON Web Token (bearer values shaped like one are read as reader tokens)");
        var r = o.Readers;
        Require(string.IsNullOrEmpty(r.SigningKey) || System.Text.Encoding.UTF8.GetByteCount(r.SigningKey) >= 32, "Readers:SigningKey", "at least 32 bytes long (HS256)");
        Require(string.IsNullOrEmpty(r.Authority) || Infrastructure.Http.TextRules.IsHttpUrl(r.Authority), "Readers:Authority", "an absolute http(s) URL");
        Require(!r.Enabled || !string.IsNullOrWhiteSpace(r.Audience), "Readers:Audience", "set when reader sign-in is on");
        Require(string.IsNullOrEmpty(r.SigningKey) || !string.IsNullOrWhiteSpace(r.Issuer), "Readers:Issuer", "set when Readers:SigningKey is");
        Require(r.ClockSkewSeconds is >= 0 and <= 300, "Readers:ClockSkewSeconds", "from 0 to 300");
        Require(!r.DevSignIn || environment.IsDevelopment(), "Readers:DevSignIn", "off outside the Development environment");
        Require(!r.DevSignIn || !string.IsNullOrEmpty(r.SigningKey), "Readers:SigningKey", "set when Readers:DevSignIn is on");
        var c = o.Comments;
        Require(c.MaxLength is >= 1 and <= 10_000, "Comments:MaxLength", "from 1 to 10000");
        Require(c.EditWindowMinutes >= 0, "Comments:EditWindowMinutes", "0 or more");
        Require(c.PerReaderPerMinute >= 1, "Comments:PerReaderPerMinute", "at least 1");
        Require(c.RepliesShown is >= 0 and <= 20, "Comments:RepliesShown", "from 0 to 20");
        Require(c.DuplicateWindowMinutes >= 0, "Comments:DuplicateWindowMinutes", "0 or more");
        var w = o.Webhooks;
        Require(w.PollMilliseconds > 0, "Webhooks:PollMilliseconds", "above 0");
        Require(w.MaxAttempts >= 1, "Webhooks:MaxAttempts", "at least 1");
        Require(w.BackoffSeconds > 0, "Webhooks:BackoffSeconds", "above 0");
        Require(w.MaxBackoffSeconds >= w.BackoffSeconds, "Webhooks:MaxBackoffSeconds", "at least Webhooks:BackoffSeconds");
        Require(w.AttemptTimeoutSeconds > 0, "Webhooks:AttemptTimeoutSeconds", "above 0");
        Require(w.MaxConcurrency >= 1, "Webhooks:MaxConcurrency", "at least 1");
        Require(w.DisableAfterFailures >= 1, "Webhooks:DisableAfterFailures", "at least 1");
        Require(w.PausedBacklogLimit >= 0, "Webhooks:PausedBacklogLimit", "0 or more");
        Require(w.SecretOverlapHours >= 0, "Webhooks:SecretOverlapHours", "0 or more");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The first reason the configuration cannot be used, or null; read before the server starts.</summary>
    public static string? FirstProblem(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value;
            _ = services.GetRequiredService<IOptions<Infrastructure.Http.CachingOptions>>().Value;
            _ = services.GetRequiredService<IOptions<Infrastructure.Http.RateLimitOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException e)
        {
            return string.Join(" ", e.Failures);
        }
        // A value of the wrong kind ("ten" for a number): the binder's message names the setting.
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }
}
