namespace HeadlessNews.Api.Features.Keys;

/// <param name="Name">Who or what uses the key, e.g. "Partner: Daily Wire Service".</param>
/// <param name="Role">reader, partner, editor or admin.</param>
public sealed record CreateKeyRequest(string Name, string Role);

/// <summary>A key as listed; the secret is never shown again after creation.</summary>
public sealed record ApiKey(Guid Id, string Name, string Role, string KeyPrefix, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>The answer to a create: <c>key</c> is the secret, shown this once.</summary>
public sealed record CreatedApiKey(Guid Id, string Name, string Role, string KeyPrefix, DateTime CreatedAt, string Key);

public sealed record KeyList(IReadOnlyList<ApiKey> Items, string? NextCursor);
