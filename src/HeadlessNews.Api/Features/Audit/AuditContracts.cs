using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Features.Audit;

/// <param name="Id">Increases with every entry.</param>
/// <param name="At">When the request arrived.</param>
/// <param name="KeyId">The API key's id ("bootstrap" for the configured admin key). Never the secret.</param>
/// <param name="KeyName" example="Night desk">The API key's name.</param>
/// <param name="Role" example="editor">The key's role.</param>
/// <param name="Action" example="UpdateArticle">The operation (its operationId in the OpenAPI document).</param>
/// <param name="Method" example="PUT">The HTTP method.</param>
/// <param name="Path" example="/api/v1/manage/articles/3f2b8e44-5a0e-4b59-9d55-6f1c8a7e9a10">The path called (no query string).</param>
/// <param name="ResourceType" example="articles">What kind of resource: articles, tags, keys, webhooks, import, export.</param>
/// <param name="ResourceId">Which one, when the request named or created one.</param>
/// <param name="StatusCode" example="200">The answer's status; refused attempts are recorded too. Null while the request runs, or if its
/// answer was never recorded (the process stopped): the entry is written before the request's work, so a write is never without one.</param>
/// <param name="ClientAddress" example="203.0.113.7">The address the request came from.</param>
public sealed record AuditEntry(
    long Id, DateTime At, string? KeyId, string? KeyName, string? Role, string Action, string Method, string Path,
    string? ResourceType, string? ResourceId, int? StatusCode, string? ClientAddress);

public sealed record AuditList(IReadOnlyList<AuditEntry> Items, string? NextCursor);

public sealed record AuditQuery(
    [FromQuery(Name = "keyId")][property: Description("Only what this API key did.")] string? KeyId,
    [FromQuery(Name = "action")][property: Description("Only this operation, e.g. DeleteArticle.")] string? Action,
    [FromQuery(Name = "resourceType")][property: Description("Only this kind of resource: articles, tags, keys, webhooks, import, export.")] string? ResourceType,
    [FromQuery(Name = "resourceId")][property: Description("Only this resource.")] string? ResourceId,
    [FromQuery(Name = "since")][property: Description("Only entries at or after this time (ISO 8601).")] DateTimeOffset? Since,
    [FromQuery(Name = "until")][property: Description("Only entries before this time (ISO 8601).")] DateTimeOffset? Until,
    [FromQuery(Name = "limit")][property: Description("Page size, 1 to 200."), DefaultValue(50)] int? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page.")] string? Cursor);
