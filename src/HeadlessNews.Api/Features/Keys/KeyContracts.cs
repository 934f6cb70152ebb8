using System.ComponentModel.DataAnnotations;
namespace HeadlessNews.Api.Features.Keys;

/// <param name="Name" example="Night desk">Who or what uses the key.</param>
/// <param name="Role" example="editor">reader, partner, editor, admin or moderator (moderates reader comments and nothing else).</param>
/// <param name="RequestsPerMinute" example="600">This key's own rate limit (1 to 1,000,000); omitted, the role's default from HeadlessNews:RateLimits.</param>
public sealed record CreateKeyRequest(string Name, [property: AllowedValues("reader", "partner", "editor", "admin", "moderator")] string Role, int? RequestsPerMinute = null);

/// <summary>A key as listed; the secret is never shown again after creation.</summary>
/// <param name="RequestsPerMinute">The key's own rate limit; null means the role's default.</param>
public sealed record ApiKey(Guid Id, string Name, [property: AllowedValues("reader", "partner", "editor", "admin", "moderator")] string Role, string KeyPrefix, DateTime CreatedAt, DateTime? RevokedAt, int? RequestsPerMinute);

/// <summary>The answer to a create: <c>key</c> is the secret, shown this once.</summary>
/// <param name="KeyPrefix" example="hn_Q2x5bk">The first characters of the key, to recognise it in lists.</param>
/// <param name="Key" example="hn_Q2x5bkZ3aW1hbGxvd3NfbXlzZWNyZXRfa2V5X2V4YW1wbGU">The secret. Store it now: it is never shown again. Null when a retry with the same Idempotency-Key replays this answer.</param>
public sealed record CreatedApiKey(Guid Id, string Name, [property: AllowedValues("reader", "partner", "editor", "admin", "moderator")] string Role, string KeyPrefix, DateTime CreatedAt, int? RequestsPerMinute, string? Key);

public sealed record KeyList(IReadOnlyList<ApiKey> Items, string? NextCursor);
