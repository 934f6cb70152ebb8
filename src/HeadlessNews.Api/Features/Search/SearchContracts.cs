using System.ComponentModel.DataAnnotations;
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Search;

/// <summary>A search-as-you-type suggestion.</summary>
/// <param name="Kind" example="tag">tag or article.</param>
/// <param name="Text" example="Ukraine">What to show: the tag's name or the article's title.</param>
/// <param name="Slug" example="ukraine">Where it leads: /api/v1/tags/{slug} or /api/v1/articles/{slug}.</param>
public sealed record Suggestion([property: AllowedValues("tag", "article")] string Kind, string Text, string Slug);

public sealed record SuggestionList(IReadOnlyList<Suggestion> Items, string? NextCursor);

public sealed record SuggestQuery(
    [FromQuery(Name = "q")][property: Description("What the reader has typed so far (1 to 100 characters); prefixes and small typos match.")] string? Q,
    [FromQuery(Name = "limit")][property: Description("How many suggestions, 1 to 20."), DefaultValue(8)] int? Limit);
