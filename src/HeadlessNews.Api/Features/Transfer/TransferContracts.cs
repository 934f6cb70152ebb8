using System.ComponentModel.DataAnnotations;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>
/// One line of an NDJSON export or import: an article with everything it needs to exist elsewhere: its tags (with
/// names and kinds, so an empty database can take them), sources, curated links (by slug), status and times, and
/// its correction notes. Derived fields (HTML, outline, counts) are worked out again on import.
/// </summary>
/// <param name="Id">Kept on import when given, so links and mirrors keyed by id survive the move.</param>
/// <param name="CanonicalUrl">Only when set explicitly; otherwise it follows the site URL.</param>
/// <param name="Status" example="published">draft, scheduled, published or archived.</param>
/// <param name="PublishedAt">Required for published and scheduled articles.</param>
/// <param name="Related">Slugs of the curated related articles, in order.</param>
/// <param name="Comments">Its reader comments in every status, parents before replies, with their authors' public data. Imported
/// comments are added or updated by id, never removed, and announce nothing.</param>
public sealed record ArticleRecord(
    string Slug,
    string Title,
    [property: AllowedValues("draft", "scheduled", "published", "archived")] string Status,
    Guid? Id = null,
    string? Summary = null,
    string? BodyMarkdown = null,
    IReadOnlyList<TagRef>? Tags = null,
    IReadOnlyList<SourceLink>? Sources = null,
    bool AiGenerated = false,
    string? Disclosure = null,
    HeroImage? HeroImage = null,
    string? CanonicalUrl = null,
    DateTime? PublishedAt = null,
    DateTime? CreatedAt = null,
    DateTime? UpdatedAt = null,
    IReadOnlyList<string>? Related = null,
    IReadOnlyList<CorrectionNote>? Corrections = null,
    IReadOnlyList<CommentRecord>? Comments = null)
{
    public ArticleWrite ToWrite() =>
        new(Slug, Title, Summary, BodyMarkdown, Tags?.Select(t => t.Slug).ToList(), Sources, AiGenerated, Disclosure, HeroImage, CanonicalUrl);
}

/// <param name="Line" example="17">The line's number in the file, from 1.</param>
/// <param name="Field" example="title">The field at fault, when there is one.</param>
/// <param name="Message" example="'title' must not be empty.">What is wrong.</param>
public sealed record ImportError(int Line, string? Field, string Message);

/// <summary>What an import did. Lines with errors changed nothing; every other line was committed.</summary>
/// <param name="Lines">Non-empty lines read.</param>
/// <param name="Created">Articles that did not exist before.</param>
/// <param name="Updated">Articles that existed and differed.</param>
/// <param name="Unchanged">Articles that existed exactly so: nothing was written.</param>
/// <param name="Failed">Lines refused; see errors.</param>
/// <param name="Errors">Each refused line with its reason (the first 1,000).</param>
public sealed record ImportSummary(int Lines, int Created, int Updated, int Unchanged, int Failed, IReadOnlyList<ImportError> Errors, double Seconds);

/// <summary>A reader comment as export and import carry it.</summary>
/// <param name="Body">The text as written ("" for the placeholder of a deleted comment).</param>
/// <param name="Status" example="approved">pending, approved, rejected or deleted.</param>
/// <param name="ParentId">The comment (on the same line) it replies to.</param>
/// <param name="Author">Null on placeholders.</param>
public sealed record CommentRecord(
    Guid Id, string Body, [property: AllowedValues("pending", "approved", "rejected", "deleted")] string Status, DateTime CreatedAt,
    Guid? ParentId = null, CommentAuthorRecord? Author = null, bool Featured = false, string? HeldReason = null, string? RejectReason = null,
    DateTime? EditedAt = null);

/// <summary>A reader's public data and the sign-in identity that makes them the same reader elsewhere (never an email).</summary>
/// <param name="Issuer" example="https://signin.news.example">The iss of the reader's tokens.</param>
/// <param name="Subject" example="user-4711">The sub of the reader's tokens.</param>
public sealed record CommentAuthorRecord(Guid Id, string Issuer, string Subject, string DisplayName, bool Staff = false);
