using System.ComponentModel.DataAnnotations;
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Tags;

/// <param name="Slug" example="ukraine">Lowercase letters, digits and single hyphens.</param>
/// <param name="Name" example="Ukraine">The display name.</param>
/// <param name="Kind" example="place">topic, place, person or organisation.</param>
/// <param name="ArticleCount" example="12">How many published articles carry the tag.</param>
public sealed record Tag(Guid Id, string Slug, string Name, [property: AllowedValues("topic", "place", "person", "organisation")] string Kind, string? Description, int ArticleCount);

public sealed record TagList(IReadOnlyList<Tag> Items, string? NextCursor);

/// <summary>The editable fields of a tag; PUT replaces them all.</summary>
/// <param name="Slug" example="taiwan-strait">Lowercase letters, digits and single hyphens; unique; at most 100 characters.</param>
/// <param name="Name" example="Taiwan Strait">The display name, at most 100 characters.</param>
/// <param name="Kind" example="place">topic, place, person or organisation.</param>
/// <param name="Description" example="The waters between Taiwan and mainland China.">Optional, at most 1,000 characters.</param>
public sealed record TagWrite(string Slug, string Name, [property: AllowedValues("topic", "place", "person", "organisation")] string Kind, string? Description = null);

public sealed record TagListQuery(
    [FromQuery(Name = "kind")][property: Description("Only tags of this kind: topic, place, person or organisation."), AllowedValues("topic", "place", "person", "organisation")] string? Kind,
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 100."), DefaultValue(50)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);

internal static class TagKinds
{
    public static readonly string[] All = ["topic", "place", "person", "organisation"];
}
