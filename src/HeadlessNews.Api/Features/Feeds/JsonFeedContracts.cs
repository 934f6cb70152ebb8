using System.Text.Json.Serialization;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Feeds;

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). Its names are snake_case, so each is spelled out.

internal sealed record JsonFeed(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("home_page_url")] string HomePageUrl,
    [property: JsonPropertyName("feed_url")] string FeedUrl,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("authors")] IReadOnlyList<JsonFeedAuthor> Authors,
    [property: JsonPropertyName("items")] IReadOnlyList<JsonFeedItem> Items);

internal sealed record JsonFeedAuthor([property: JsonPropertyName("name")] string Name);

internal sealed record JsonFeedItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("title")] string Title,
    // JSON Feed's members are strings or absent, never null.
    [property: JsonPropertyName("summary"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Summary,
    [property: JsonPropertyName("content_html")] string ContentHtml,
    [property: JsonPropertyName("image"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Image,
    [property: JsonPropertyName("date_published")] DateTime DatePublished,
    [property: JsonPropertyName("date_modified")] DateTime DateModified,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("_headlessnews")] JsonFeedExtension Extension);

/// <summary>A JSON Feed extension (names starting with an underscore are reserved for them): what a partner must show with the item.</summary>
internal sealed record JsonFeedExtension(
    [property: JsonPropertyName("about")] string About,
    [property: JsonPropertyName("ai_generated")] bool AiGenerated,
    [property: JsonPropertyName("disclosure")] string? Disclosure,
    [property: JsonPropertyName("sources")] IReadOnlyList<SourceLink> Sources,
    [property: JsonPropertyName("corrections")] IReadOnlyList<CorrectionNote> Corrections);
