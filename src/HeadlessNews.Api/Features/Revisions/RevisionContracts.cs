using System.ComponentModel;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Revisions;

/// <summary>What a revision keeps: the article as the management API showed it, and its curated related ids.</summary>
public sealed record RevisionSnapshot(Article Article, IReadOnlyList<Guid> RelatedIds)
{
    // The HTML and outline follow from the Markdown: stored without them (half the size), rendered again when read.
    // The conversation is not part of what an editor wrote: it is left out of revisions.
    internal string ToStored() => StoredJson.Write(this with { Article = Article with { BodyHtml = "", Outline = [], Comments = CommentSummary.None } });

    internal static RevisionSnapshot FromStored(string json)
    {
        var stored = System.Text.Json.JsonSerializer.Deserialize<RevisionSnapshot>(json, System.Text.Json.JsonSerializerOptions.Web)!;
        var body = ArticleBody.Render(stored.Article.BodyMarkdown);
        return stored with { Article = stored.Article with { BodyHtml = body.Html, Outline = body.Outline } };
    }
}

/// <param name="Number" example="3">1 for the article's creation, then one more per change.</param>
/// <param name="Action" example="updated">What the change was: created, updated, published, unpublished, archived, related, corrected, restored, imported or deleted.</param>
/// <param name="KeyId">The id of the API key that made the change ("bootstrap" for the configured admin key).</param>
/// <param name="KeyName" example="Night desk">That key's name.</param>
/// <param name="Version" example="3">The article's version (its ETag) after the change.</param>
/// <param name="Title">The article's title after the change.</param>
public sealed record RevisionSummary(int Number, string Action, DateTime CreatedAt, string? KeyId, string? KeyName, int Version, string Title);

public sealed record RevisionList(IReadOnlyList<RevisionSummary> Items, string? NextCursor);

/// <param name="Article">The article as it was after this change.</param>
/// <param name="RelatedIds">Its curated related articles, in order.</param>
public sealed record Revision(int Number, string Action, DateTime CreatedAt, string? KeyId, string? KeyName, Article Article, IReadOnlyList<Guid> RelatedIds);

/// <param name="Field" example="title">The field that differs.</param>
/// <param name="From">Its value in the older revision.</param>
/// <param name="To">Its value in the newer revision.</param>
public sealed record FieldChange(string Field, JsonNode? From, JsonNode? To);

/// <param name="Op" example="insert">equal, insert or delete.</param>
/// <param name="Text">The words (with the spaces and punctuation between them).</param>
public sealed record TextChange(string Op, string Text);

/// <param name="Fields">Every editable field whose value differs (the body too, as a whole).</param>
/// <param name="Body">A word-level diff of bodyMarkdown: concatenate equal+insert for the newer text, equal+delete for the older.</param>
public sealed record RevisionDiff(int From, int To, IReadOnlyList<FieldChange> Fields, IReadOnlyList<TextChange> Body);

public sealed record RevisionDiffQuery(
    [FromQuery(Name = "from")][property: Description("The older revision's number.")] int? From,
    [FromQuery(Name = "to")][property: Description("The newer revision's number.")] int? To);
