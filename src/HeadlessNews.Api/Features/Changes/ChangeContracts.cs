using System.ComponentModel.DataAnnotations;
using System.ComponentModel;
using HeadlessNews.Api.Features.Articles;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Changes;

/// <summary>One article's latest change: its current content, or a tombstone when the public can no longer see it.</summary>
/// <param name="Type" example="upsert">upsert: store this article (new or changed); delete: remove it (unpublished, archived or deleted).</param>
/// <param name="Id">The article's id, stable across slug changes: key a mirror on it.</param>
/// <param name="Slug" example="washington-weighs-guarantees-in-exchange-for-a-frozen-front-line">The article's slug at this change.</param>
/// <param name="ChangedAt">When the change happened.</param>
/// <param name="Article">The article as the delivery API shows it; null for a delete.</param>
public sealed record Change([property: AllowedValues("upsert", "delete")] string Type, Guid Id, string Slug, DateTime ChangedAt, Article? Article);

/// <param name="Items">Changes in the order they happened; each article appears at most once, at its latest change.</param>
/// <param name="NextSince">Pass this as since on the next call, also when there were no items.</param>
/// <param name="HasMore">True when more changes are waiting: call again at once with nextSince.</param>
public sealed record ChangeList(IReadOnlyList<Change> Items, string NextSince, bool HasMore);

public sealed record ChangeQuery(
    [FromQuery(Name = "since")][property: Description("The nextSince of the previous call; omit it for a full initial sync.")] string? Since,
    [FromQuery(Name = "limit")][property: Description("Changes per call, 1 to 500."), DefaultValue(100)] int? Limit);
