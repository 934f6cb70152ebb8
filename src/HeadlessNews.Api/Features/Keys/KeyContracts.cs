namespace HeadlessNews.Api.Features.Keys;

/// <param name="Name" example="Night desk">Who or what uses the key.</param>
/// <param name="Role" example="editor">reader, partner, editor or admin.</param>
public sealed record CreateKeyRequest(string Name, string Role);

/// <summary>A key as listed; the secret is never shown again after creation.</summary>
public sealed record ApiKey(Guid Id, string Name, string Role, string KeyPrefix, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>The answer to a create: <c>key</c> is the secret, shown this once.</summary>
/// <param name="KeyPrefix" example="hn_Q2x5bk">The first characters of the key, to recognise it in lists.</param>
/// <param name="Key" example="hn_Q2x5bkZ3aW1hbGxvd3NfbXlzZWNyZXRfa2V5X2V4YW1wbGU">The secret. Store it now: it is never shown again.</param>
public sealed record CreatedApiKey(Guid Id, string Name, string Role, string KeyPrefix, DateTime CreatedAt, string Key);

public sealed record KeyList(IReadOnlyList<ApiKey> Items, string? NextCursor);
