using System.ComponentModel.DataAnnotations;
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>A source the article is based on, shown with the AI disclosure.</summary>
/// <param name="Title" example="Officials outline a guarantees-for-settlement framework">The source's headline.</param>
/// <param name="Url" example="https://wire.example.org/world/guarantees-framework">An absolute http(s) URL.</param>
/// <param name="Publisher" example="Example Wire">Who published it.</param>
public sealed record SourceLink(string Title, string Url, string? Publisher = null);

/// <summary>The lead image of an article.</summary>
/// <param name="Url" example="https://images.example.org/demo/negotiating-table.jpg">An absolute http(s) URL.</param>
/// <param name="Alt" example="An empty negotiating table with flags in the background">Text for readers who cannot see it.</param>
/// <param name="Credit" example="Demo photo desk">Photographer or agency.</param>
public sealed record HeroImage(string Url, string? Alt = null, string? Credit = null);

/// <summary>A heading of the body, with the anchor its HTML carries as id.</summary>
/// <param name="Level" example="2">2 for ##, 3 for ###, and so on.</param>
/// <param name="Text" example="What is on the table">The heading's text.</param>
/// <param name="Anchor" example="what-is-on-the-table">The id of the heading in bodyHtml.</param>
public sealed record OutlineEntry(int Level, string Text, string Anchor);

/// <summary>A tag as an article shows it.</summary>
/// <param name="Slug" example="ukraine">The tag's slug.</param>
/// <param name="Name" example="Ukraine">The tag's display name.</param>
/// <param name="Kind" example="place">topic, place, person or organisation.</param>
public sealed record TagRef(string Slug, string Name, [property: AllowedValues("topic", "place", "person", "organisation")] string Kind);

/// <summary>
/// The editable fields of an article, the same for create and replace (PUT replaces them all).
/// Status and publish time change only through publish, unpublish and archive.
/// </summary>
/// <param name="Slug" example="harbour-reopens">Lowercase letters, digits and single hyphens; unique; at most 200 characters.</param>
/// <param name="Title" example="Harbour reopens after storm repairs">The headline, at most 300 characters.</param>
/// <param name="Summary" example="Ferries return on Monday after three weeks of repairs.">The standfirst (dek), at most 1,000 characters.</param>
/// <param name="BodyMarkdown" example="## What changed&#10;&#10;The quay is fixed.">The body as Markdown; rendered to sanitized HTML with an outline.</param>
/// <param name="Tags" example="[&quot;energy&quot;]">Tag slugs, in the order to show them; each must exist.</param>
/// <param name="Sources">The links the article is based on (required before an AI-generated article is published).</param>
/// <param name="AiGenerated" example="false">Whether the text was generated with AI.</param>
/// <param name="Disclosure">The AI disclosure shown to readers (required before an AI-generated article is published).</param>
/// <param name="HeroImage">The lead image.</param>
/// <param name="CanonicalUrl" example="https://news.example.com/articles/harbour-reopens">Overrides the default canonical URL.</param>
public sealed record ArticleWrite(
    string Slug,
    string Title,
    string? Summary = null,
    string? BodyMarkdown = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<SourceLink>? Sources = null,
    bool AiGenerated = false,
    string? Disclosure = null,
    HeroImage? HeroImage = null,
    string? CanonicalUrl = null);

/// <param name="PublishAt" example="2030-01-01T08:00:00Z">Absent: publish now. In the future: schedule. In the past: publish, back-dated.</param>
public sealed record PublishRequest(DateTimeOffset? PublishAt = null);

/// <param name="ArticleIds" example="[&quot;3f2b8e44-5a0e-4b59-9d55-6f1c8a7e9a10&quot;]">The curated related articles, in the order to show them (at most 20).</param>
public sealed record RelatedWrite(IReadOnlyList<Guid> ArticleIds);

public record Article
{
    public required Guid Id { get; init; }
    public required string Slug { get; init; }
    public required string Title { get; init; }
    public required string? Summary { get; init; }
    public required string BodyMarkdown { get; init; }
    /// <summary>The body rendered from Markdown and sanitized: safe to insert into a page as is.</summary>
    public required string BodyHtml { get; init; }
    public required IReadOnlyList<OutlineEntry> Outline { get; init; }
    /// <summary>draft, scheduled, published or archived.</summary>
    [AllowedValues("draft", "scheduled", "published", "archived")]
    public required string Status { get; init; }
    public required DateTime? PublishedAt { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public required IReadOnlyList<TagRef> Tags { get; init; }
    public required IReadOnlyList<SourceLink> Sources { get; init; }
    public required bool AiGenerated { get; init; }
    public required string? Disclosure { get; init; }
    public required HeroImage? HeroImage { get; init; }
    public required string CanonicalUrl { get; init; }
    public required int WordCount { get; init; }
    public required int ReadingTimeMinutes { get; init; }
    /// <summary>Corrections and update notes, oldest first. Once added they are never removed.</summary>
    public required IReadOnlyList<CorrectionNote> Corrections { get; init; }
    /// <summary>Changes on every write; the ETag is this number, quoted.</summary>
    public required int Version { get; init; }
    /// <summary>The article's conversation: whether readers can comment now, and how many public comments it has.</summary>
    public CommentSummary Comments { get; init; } = CommentSummary.None;
}

/// <param name="Open" example="true">Whether signed-in readers can comment now.</param>
/// <param name="Count" example="12">Public comments and replies.</param>
public sealed record CommentSummary(bool Open, int Count)
{
    internal static readonly CommentSummary None = new(false, 0);
}

/// <param name="Kind" example="correction">correction (something was wrong) or update (something changed since).</param>
/// <param name="Text" example="An earlier version misstated the date of the vote.">The note as readers see it.</param>
/// <param name="CreatedAt">When the note was added.</param>
public sealed record CorrectionNote([property: AllowedValues("correction", "update")] string Kind, string Text, DateTime CreatedAt);

/// <param name="Kind" example="correction">correction or update.</param>
/// <param name="Text" example="An earlier version misstated the date of the vote.">1 to 2,000 characters.</param>
public sealed record CorrectionWrite([property: AllowedValues("correction", "update")] string Kind, string Text);

/// <summary>A published article with everything its page shows, related cards included.</summary>
public sealed record ArticlePage : Article
{
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public ArticlePage(Article article, IReadOnlyList<RelatedCard> related) : base(article) => Related = related;

    [System.Text.Json.Serialization.JsonPropertyOrder(1)]
    public IReadOnlyList<RelatedCard> Related { get; init; }
}

/// <summary>An article as a list shows it.</summary>
/// <param name="Snippet" example="… talks on a &lt;mark&gt;ceasefire&lt;/mark&gt; line resumed …">
/// Search results only: the best passages, HTML-escaped, with the matched words in &lt;mark&gt;.</param>
public sealed record ArticleCard(
    Guid Id, string Slug, string Title, string? Summary, DateTime? PublishedAt, DateTime CreatedAt, DateTime UpdatedAt, [property: AllowedValues("draft", "scheduled", "published", "archived")] string Status,
    IReadOnlyList<TagRef> Tags, HeroImage? HeroImage, bool AiGenerated, int ReadingTimeMinutes, string CanonicalUrl, CommentSummary Comments, string? Snippet = null);

/// <param name="Kind" example="curated">curated (chosen by an editor) or computed.</param>
/// <param name="Reason" example="shared-tags">Why a computed card was chosen: shared-tags (tags in common), similar-text
/// (its text matches this article's title words) or recent (nothing closer was found); null for curated cards.</param>
public sealed record RelatedCard(
    Guid Id, string Slug, string Title, string? Summary, DateTime PublishedAt, HeroImage? HeroImage, CommentSummary Comments,
    [property: AllowedValues("curated", "computed")] string Kind, string? Reason = null);

public sealed record ArticleList(IReadOnlyList<ArticleCard> Items, string? NextCursor);

public sealed record RelatedList(IReadOnlyList<RelatedCard> Items, string? NextCursor);

public sealed record ArticleListQuery(
    [FromQuery(Name = "tag")][property: Description("Tag slug; repeat for several.")] string[]? Tag,
    [FromQuery(Name = "tagMatch")][property: Description("any (default): at least one of the tags; all: every tag."), AllowedValues("any", "all")] string? TagMatch,
    [FromQuery(Name = "kind")][property: Description("Only articles with a tag of this kind: topic, place, person or organisation."), AllowedValues("topic", "place", "person", "organisation")] string? Kind,
    [FromQuery(Name = "publishedAfter")][property: Description("Only articles published after this time (ISO 8601).")] DateTimeOffset? PublishedAfter,
    [FromQuery(Name = "publishedBefore")][property: Description("Only articles published before this time (ISO 8601).")] DateTimeOffset? PublishedBefore,
    [FromQuery(Name = "q")][property: Description("Full-text search, web-search syntax: \"quoted phrase\", OR, -exclude. " +
        "Articles whose title, tags or summary match come first, ranked by relevance (an exact title, then a title " +
        "starting with the words, title over tags and summary) blended with recency, among the 300 most recent such " +
        "matches; then articles that match in the body only, newest first. Each hit has a highlighted snippet.")] string? Q,
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 100."), DefaultValue(20)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);

public sealed record ManageArticleListQuery(
    [FromQuery(Name = "status")][property: Description("Only articles in this status: draft, scheduled, published or archived."), AllowedValues("draft", "scheduled", "published", "archived")] string? Status,
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 100."), DefaultValue(20)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);

public sealed record RelatedQuery([FromQuery(Name = "limit")][property: Description("How many cards, 1 to 20."), DefaultValue(4)] int? Limit);
