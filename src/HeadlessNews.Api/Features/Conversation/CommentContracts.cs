using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Conversation;

/// <summary>Who wrote a comment, as the public sees it (never an email).</summary>
/// <param name="Id">The reader's id.</param>
/// <param name="DisplayName" example="Ana K.">The name the site's sign-in gave.</param>
/// <param name="Staff" example="false">Written by the newsroom's own staff.</param>
public sealed record CommentAuthor(Guid Id, string DisplayName, bool Staff);

/// <summary>A reader's comment as the conversation shows it.</summary>
/// <param name="ParentId">The top-level comment this replies to; null for a top-level comment.</param>
/// <param name="Author">Null on a placeholder (a deleted comment kept because it has replies).</param>
/// <param name="BodyHtml" example="&lt;p&gt;Good piece. More at &lt;a href=&quot;https://example.org/&quot; rel=&quot;nofollow ugc&quot;&gt;https://example.org/&lt;/a&gt;&lt;/p&gt;">
/// The text as sanitized HTML: paragraphs, line breaks and links (rel="nofollow ugc") only. Empty on a placeholder.</param>
/// <param name="Status" example="approved">approved (public), pending (held for moderation), rejected, or deleted (a placeholder).</param>
/// <param name="Featured" example="false">Chosen by a moderator to stand out.</param>
/// <param name="EditedAt">When the author last edited it; null if never.</param>
/// <param name="ReplyCount" example="2">Public replies (top-level comments only).</param>
/// <param name="Replies">The first public replies, oldest first (top-level comments in lists); the rest from the replies endpoint.</param>
public sealed record Comment(
    Guid Id, Guid? ParentId, CommentAuthor? Author, string BodyHtml,
    [property: AllowedValues("pending", "approved", "rejected", "deleted")] string Status,
    bool Featured, DateTime CreatedAt, DateTime? EditedAt, int ReplyCount, IReadOnlyList<CommentReply> Replies);

/// <summary>A public reply, as shown under its comment.</summary>
/// <param name="ParentId">The comment it replies to.</param>
/// <param name="BodyHtml" example="&lt;p&gt;Agreed.&lt;/p&gt;">The text as sanitized HTML.</param>
/// <param name="Status" example="approved">Always approved in public lists.</param>
public sealed record CommentReply(
    Guid Id, Guid ParentId, CommentAuthor? Author, string BodyHtml,
    [property: AllowedValues("pending", "approved", "rejected", "deleted")] string Status, bool Featured, DateTime CreatedAt, DateTime? EditedAt);

public sealed record CommentList(IReadOnlyList<Comment> Items, string? NextCursor);

/// <param name="Body" example="Good piece. The council vote is on Tuesday.">Plain text, 1 to HeadlessNews:Comments:MaxLength characters (2,000 by default).
/// No HTML: markup shows as typed. Line breaks are kept and http(s) links become links.</param>
/// <param name="ParentId">Reply to this public top-level comment of the same article (one level only).</param>
public sealed record CommentWrite(string Body, Guid? ParentId = null);

/// <param name="Body" example="Good piece. The council vote is on Wednesday.">The new text, under the same rules as when posting.</param>
public sealed record CommentEdit(string Body);

/// <param name="Reason" example="spam">spam, abuse, off-topic or other.</param>
/// <param name="Note" example="Posted the same link under every article.">Optional, at most 500 characters.</param>
public sealed record CommentReport([property: AllowedValues("spam", "abuse", "off-topic", "other")] string Reason, string? Note = null);

/// <summary>One of the signed-in reader's own comments, whatever its status.</summary>
/// <param name="ArticleSlug" example="harbour-reopens">The article it is under.</param>
/// <param name="Body">The text as written (to edit it).</param>
/// <param name="Status" example="pending">pending (awaiting moderation), approved, rejected or deleted.</param>
/// <param name="RejectReason">Why a moderator rejected it.</param>
/// <param name="Version" example="1">Send it quoted in If-Match to edit.</param>
public sealed record MyComment(
    Guid Id, Guid ArticleId, string ArticleSlug, Guid? ParentId, string Body, string BodyHtml,
    [property: AllowedValues("pending", "approved", "rejected", "deleted")] string Status,
    bool Featured, string? RejectReason, DateTime CreatedAt, DateTime? EditedAt, int Version);

public sealed record MyCommentList(IReadOnlyList<MyComment> Items, string? NextCursor);

/// <summary>Everything stored about the signed-in reader.</summary>
/// <param name="Email">From the site's sign-in; never shown to anyone else.</param>
public sealed record ReaderExport(Guid Id, string DisplayName, string? Email, bool Staff, DateTime CreatedAt, IReadOnlyList<MyComment> Comments);

public sealed record CommentListQuery(
    [FromQuery(Name = "sort")][property: Description("newest (default) or oldest first."), AllowedValues("newest", "oldest")] string? Sort,
    [FromQuery(Name = "limit")][property: Description("Top-level comments per page, 1 to 100."), DefaultValue(20)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);

public sealed record PageQuery(
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 100."), DefaultValue(20)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);

// Moderation

/// <summary>A comment as moderators see it.</summary>
/// <param name="Body">The text as written.</param>
/// <param name="HeldReason" example="suspect-word">Why it waits: pre-moderation, first-comments, suspect-word or edited.</param>
/// <param name="RejectReason">The moderator's reason, when rejected.</param>
/// <param name="OpenReports" example="0">Readers' reports since a moderator last decided on it.</param>
public sealed record ModeratedComment(
    Guid Id, Guid ArticleId, string ArticleSlug, Guid? ParentId, CommentAuthor? Author, string Body, string BodyHtml,
    [property: AllowedValues("pending", "approved", "rejected", "deleted")] string Status,
    bool Featured, string? HeldReason, string? RejectReason, int OpenReports, DateTime CreatedAt, DateTime? EditedAt);

public sealed record ModerationList(IReadOnlyList<ModeratedComment> Items, string? NextCursor);

public sealed record ModerationQuery(
    [FromQuery(Name = "status")][property: Description("pending (default): held for review; reported: with open reports; approved; rejected. Oldest first."),
        AllowedValues("pending", "reported", "approved", "rejected")] string? Status,
    [FromQuery(Name = "articleId")][property: Description("Only comments under this article.")] Guid? ArticleId,
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 100."), DefaultValue(50)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);

/// <param name="Reason" example="Personal attack.">Recorded with the comment and shown to its author; 1 to 500 characters.</param>
public sealed record RejectRequest(string Reason);

/// <summary>The site's moderation policy.</summary>
/// <param name="PreModeration" example="first">off: comments are public at once; first: a reader's comments wait until trustedAfter of theirs were approved; all: every comment waits.</param>
/// <param name="TrustedAfter" example="1">Approved comments after which a reader is no longer pre-moderated (with first), 1 to 100.</param>
/// <param name="BannedWords" example="[&quot;casino&quot;]">Words or phrases that refuse a comment (422), matched whole and without case; at most 500 of 1 to 100 characters.</param>
/// <param name="SuspectWords" example="[&quot;idiot&quot;]">Words or phrases that hold a comment for review; same rules.</param>
/// <param name="MaxLinks" example="3">Links allowed in one comment (0 to 50); more refuses it (422).</param>
/// <param name="AutoCloseAfterDays" example="30">Comments close this many days after publication (1 to 36500) unless an article is held open; null: never.</param>
public sealed record ModerationSettings(
    [property: AllowedValues("off", "first", "all")] string PreModeration, int TrustedAfter, IReadOnlyList<string> BannedWords,
    IReadOnlyList<string> SuspectWords, int MaxLinks, int? AutoCloseAfterDays);

/// <param name="State" example="auto">auto: open until the site's auto-close time; open: held open; closed.</param>
public sealed record ConversationStateWrite([property: AllowedValues("auto", "open", "closed")] string State);

/// <summary>An article's conversation.</summary>
/// <param name="State" example="auto">auto, open or closed, as set.</param>
/// <param name="Open" example="true">Whether readers can comment now.</param>
/// <param name="Count" example="12">Public comments and replies.</param>
public sealed record ArticleConversation(Guid ArticleId, [property: AllowedValues("auto", "open", "closed")] string State, bool Open, int Count);

/// <summary>A reader as moderators see them (no email).</summary>
/// <param name="BannedUntil">Until when the reader is banned; 9999-12-31T23:59:59Z for good; null when not banned.</param>
/// <param name="Comments" example="4">Comments stored, in any status.</param>
public sealed record ReaderProfile(
    Guid Id, string DisplayName, bool Staff, DateTime CreatedAt, DateTime LastSeenAt, DateTime? BannedUntil, string? BanReason, int Comments);

/// <param name="Until">When the ban ends; absent for good.</param>
/// <param name="Reason" example="Repeated abuse.">1 to 500 characters.</param>
public sealed record BanRequest(string Reason, DateTimeOffset? Until = null);
