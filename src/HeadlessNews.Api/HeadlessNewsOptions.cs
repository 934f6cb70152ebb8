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

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_000_000;

    /// <summary>Full-text search settings (HeadlessNews:Search:*).</summary>
    public SearchSettings Search { get; set; } = new();
}

public sealed class SearchSettings
{
    /// <summary>
    /// The PostgreSQL text-search configuration articles are indexed and searched with (english, german,
    /// simple, …). Articles keep the one they were saved under until they are saved again.
    /// </summary>
    public string Language { get; set; } = "english";
}
