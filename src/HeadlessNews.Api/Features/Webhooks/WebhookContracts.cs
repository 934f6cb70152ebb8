using System.ComponentModel.DataAnnotations;
using System.ComponentModel;
using HeadlessNews.Api.Features.Changes;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Webhooks;

/// <summary>What an admin sets on a subscription; PUT replaces it all.</summary>
/// <param name="Url" example="https://partner.example.org/hooks/headlessnews">Where deliveries are POSTed: http or https, a public address.</param>
/// <param name="Events" example="[&quot;article.published&quot;, &quot;article.updated&quot;]">The event types to deliver: article.published, article.updated, article.unpublished, article.archived, article.deleted, tag.created, tag.updated, tag.deleted.</param>
/// <param name="Description" example="Partner X mirror">A note for admins, at most 500 characters.</param>
/// <param name="Enabled" example="true">False pauses deliveries (they wait); true resumes and clears the failure count. Default true.</param>
public sealed record WebhookWrite(string Url, [property: AllowedValues(EventTypes.ArticlePublished, EventTypes.ArticleUpdated, EventTypes.ArticleUnpublished, EventTypes.ArticleArchived, EventTypes.ArticleDeleted,
        EventTypes.TagCreated, EventTypes.TagUpdated, EventTypes.TagDeleted, EventTypes.CommentPublished, EventTypes.CommentRemoved)] IReadOnlyList<string> Events, string? Description = null, bool? Enabled = null);

/// <param name="Id">The subscription's id.</param>
/// <param name="Url">Where deliveries go.</param>
/// <param name="Events">The event types delivered.</param>
/// <param name="Description">The admins' note.</param>
/// <param name="Enabled">Whether deliveries are being sent.</param>
/// <param name="DisabledReason" example="The receiver answered 410 Gone.">Why the subscription was disabled automatically, if it was.</param>
/// <param name="ConsecutiveFailures">Failed attempts in a row; reset by a success.</param>
/// <param name="PreviousSecretValidUntil">After a rotation, until when deliveries are also signed with the previous secret.</param>
public sealed record WebhookSubscription(
    Guid Id, string Url, [property: AllowedValues(EventTypes.ArticlePublished, EventTypes.ArticleUpdated, EventTypes.ArticleUnpublished, EventTypes.ArticleArchived, EventTypes.ArticleDeleted,
        EventTypes.TagCreated, EventTypes.TagUpdated, EventTypes.TagDeleted, EventTypes.CommentPublished, EventTypes.CommentRemoved)] IReadOnlyList<string> Events, string? Description, bool Enabled, string? DisabledReason,
    int ConsecutiveFailures, DateTime? PreviousSecretValidUntil, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A new subscription, as listed, with its signing secret: shown this once.</summary>
/// <param name="Secret" example="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw">The Standard Webhooks signing secret (whsec_ and base64). Null when a retry with the same Idempotency-Key replays this answer.</param>
public sealed record WebhookCreated(
    Guid Id, string Url, [property: AllowedValues(EventTypes.ArticlePublished, EventTypes.ArticleUpdated, EventTypes.ArticleUnpublished, EventTypes.ArticleArchived, EventTypes.ArticleDeleted,
        EventTypes.TagCreated, EventTypes.TagUpdated, EventTypes.TagDeleted, EventTypes.CommentPublished, EventTypes.CommentRemoved)] IReadOnlyList<string> Events,
    string? Description, bool Enabled, string? DisabledReason, int ConsecutiveFailures, DateTime? PreviousSecretValidUntil,
    DateTime CreatedAt, DateTime UpdatedAt, string? Secret)
{
    public static WebhookCreated Of(WebhookSubscription s, string secret) =>
        new(s.Id, s.Url, s.Events, s.Description, s.Enabled, s.DisabledReason, s.ConsecutiveFailures, s.PreviousSecretValidUntil, s.CreatedAt, s.UpdatedAt, secret);
}



public sealed record WebhookList(IReadOnlyList<WebhookSubscription> Items, string? NextCursor);

/// <param name="OverlapHours" example="24">How long the previous secret keeps signing too (0 to 168); default HeadlessNews:Webhooks:SecretOverlapHours.</param>
public sealed record RotateSecretRequest(double? OverlapHours = null);

/// <param name="Secret">The new signing secret, shown this once. Null when a retry with the same Idempotency-Key replays this answer.</param>
/// <param name="PreviousSecretValidUntil">Until when the previous secret also signs deliveries.</param>
public sealed record RotatedSecret(string? Secret, DateTime? PreviousSecretValidUntil);

/// <param name="Id">The delivery's id.</param>
/// <param name="EventId">The event's id: the webhook-id header, the same on every attempt, so a receiver can drop duplicates.</param>
/// <param name="EventType" example="article.published">The event's type.</param>
/// <param name="Status" example="pending">pending (waiting or retrying), succeeded, or dead (out of attempts, or the receiver said 410).</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="NextAttemptAt">When a pending delivery is tried next.</param>
/// <param name="LastStatusCode" example="503">The receiver's last HTTP status, if it answered.</param>
/// <param name="LastError">The last failure: the status and the start of the receiver's body, or the network error.</param>
/// <param name="AttemptLog">Every attempt, oldest first (only when one delivery is read).</param>
public sealed record WebhookDelivery(
    Guid Id, Guid EventId, [property: AllowedValues(EventTypes.ArticlePublished, EventTypes.ArticleUpdated, EventTypes.ArticleUnpublished, EventTypes.ArticleArchived, EventTypes.ArticleDeleted,
        EventTypes.TagCreated, EventTypes.TagUpdated, EventTypes.TagDeleted, EventTypes.CommentPublished, EventTypes.CommentRemoved)] string EventType, [property: AllowedValues("pending", "succeeded", "dead")] string Status, int Attempts, DateTime NextAttemptAt, DateTime? LastAttemptAt,
    int? LastStatusCode, string? LastError, DateTime CreatedAt, IReadOnlyList<WebhookAttempt>? AttemptLog = null);

/// <param name="Attempt">1 for the first attempt.</param>
/// <param name="StatusCode">The receiver's HTTP status, null when it did not answer.</param>
/// <param name="Error">What went wrong, if anything.</param>
/// <param name="DurationMs">How long the attempt took.</param>
public sealed record WebhookAttempt(int Attempt, DateTime AttemptedAt, int? StatusCode, string? Error, int DurationMs);

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDelivery> Items, string? NextCursor);

/// <param name="Replayed" example="3">How many deliveries were put back in the queue.</param>
public sealed record ReplayResult(int Replayed);

public sealed record DeliveryListQuery(
    [FromQuery(Name = "status")][property: Description("Only deliveries in this status: pending, succeeded or dead."), AllowedValues("pending", "succeeded", "dead")] string? Status,
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 100."), DefaultValue(20)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);
