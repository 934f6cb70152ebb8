using System.Security.Cryptography;
using Dapper;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Webhooks;

/// <summary>Admins manage webhook subscriptions, read their delivery log, redeliver, replay dead letters and rotate secrets.</summary>
internal static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/manage/webhooks").WithTags("Webhooks")
            .RequireAuthorization(Policies.Admin).RequireCors(CorsSetup.Management).WithValidation();
        group.MapGet("/", List).WithName("ListWebhooks").WithSummary("List webhook subscriptions (without secrets)");
        group.MapPost("/", Create).WithName("CreateWebhook").WithSummary("Subscribe a URL to events")
            .WithDescription("The signing secret is returned this once (a retry with the same Idempotency-Key replays the answer with `secret` null, header Idempotent-Secret-Withheld: secret). " +
                             "The URL must be http(s) and resolve only to public addresses.")
            .ShowsSecretOnce("secret");
        group.MapGet("/{id:guid}", Get).WithName("GetWebhook").WithSummary("Get a subscription").ProducesProblems(404);
        group.MapPut("/{id:guid}", Update).WithName("UpdateWebhook").WithSummary("Replace a subscription's settings")
            .WithDescription("Setting enabled to true resumes a disabled subscription and clears its failure count.").ProducesProblems(404);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteWebhook").WithSummary("Delete a subscription and its delivery log").ProducesProblems(404);
        group.MapPost("/{id:guid}/rotate-secret", RotateSecret).WithName("RotateWebhookSecret").WithSummary("Rotate the signing secret")
            .WithDescription("Returns the new secret this once. During the overlap each delivery carries two signatures, " +
                             "one per secret, so the receiver can switch without losing a delivery. " +
                             "A retry with the same Idempotency-Key replays the answer with `secret` null (header Idempotent-Secret-Withheld: secret).")
            .ShowsSecretOnce("secret").ProducesProblems(404);
        group.MapGet("/{id:guid}/deliveries", Deliveries).WithName("ListWebhookDeliveries").WithSummary("The delivery log, newest first")
            .ProducesProblems(404);
        group.MapGet("/{id:guid}/deliveries/{deliveryId:guid}", Delivery).WithName("GetWebhookDelivery")
            .WithSummary("One delivery with every attempt").ProducesProblems(404);
        group.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", Redeliver).WithName("RedeliverWebhook")
            .WithSummary("Send a delivery again").WithDescription("Queues it at once with a fresh run of attempts, whatever its status.")
            .ProducesProblems(404);
        group.MapPost("/{id:guid}/dead-letters/replay", ReplayDeadLetters).WithName("ReplayWebhookDeadLetters")
            .WithSummary("Replay every dead-lettered delivery").ProducesProblems(404);
        return group;
    }

    // A class, not a positional record: Dapper reports text[] columns as System.Array to constructors.
    private sealed class SubscriptionRow
    {
        public Guid Id { get; init; }
        public string Url { get; init; } = "";
        public string[] Events { get; init; } = [];
        public string? Description { get; init; }
        public bool Enabled { get; init; }
        public string? DisabledReason { get; init; }
        public int ConsecutiveFailures { get; init; }
        public DateTime? PreviousSecretValidUntil { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }

        public WebhookSubscription ToContract() =>
            new(Id, Url, Events, Description, Enabled, DisabledReason, ConsecutiveFailures, PreviousSecretValidUntil, CreatedAt, UpdatedAt);
    }

    /// <summary>A Standard Webhooks secret: whsec_ and 32 random bytes in base64.</summary>
    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static async Task<Ok<WebhookList>> List(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(WebhookSql.List, cancellationToken: ct));
        return TypedResults.Ok(new WebhookList(rows.Select(r => r.ToContract()).ToList(), null));
    }

    private static async Task<Created<WebhookCreated>> Create(
        WebhookWrite write, HttpContext http, NpgsqlDataSource db, IdempotentAnswers answers, CancellationToken ct)
    {
        var secret = NewSecret();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleAsync<SubscriptionRow>(new CommandDefinition(WebhookSql.Insert,
            new { write.Url, Events = write.Events.ToArray(), write.Description, write.Enabled, Secret = secret }, tx, cancellationToken: ct));
        var location = $"/api/v1/manage/webhooks/{row.Id}";
        var created = WebhookCreated.Of(row.ToContract(), secret);
        var stored = await answers.StoreAsync(http, connection, tx, 201, created, location, null, ct);
        await tx.CommitAsync(ct);
        stored?.Invoke();
        return TypedResults.Created(location, created);
    }

    private static async Task<Results<Ok<WebhookSubscription>, ProblemHttpResult>> Get(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<SubscriptionRow>(new CommandDefinition(WebhookSql.ById, new { id }, cancellationToken: ct));
        return row is null ? Problems.NotFound("webhook subscription") : TypedResults.Ok(row.ToContract());
    }

    private static async Task<Results<Ok<WebhookSubscription>, ProblemHttpResult>> Update(Guid id, WebhookWrite write, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<SubscriptionRow>(new CommandDefinition(WebhookSql.Update,
            new { Id = id, write.Url, Events = write.Events.ToArray(), write.Description, write.Enabled }, cancellationToken: ct));
        return row is null ? Problems.NotFound("webhook subscription") : TypedResults.Ok(row.ToContract());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var deleted = await connection.ExecuteAsync(new CommandDefinition(WebhookSql.Delete, new { id }, cancellationToken: ct));
        return deleted == 1 ? TypedResults.NoContent() : Problems.NotFound("webhook subscription");
    }

    private static async Task<Results<Ok<RotatedSecret>, ProblemHttpResult>> RotateSecret(
        Guid id, [FromBody] RotateSecretRequest? request, HttpContext http, NpgsqlDataSource db, IdempotentAnswers answers,
        IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var secret = NewSecret();
        var overlapSeconds = (request?.OverlapHours ?? options.Value.Webhooks.SecretOverlapHours) * 3600;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SubscriptionRow>(new CommandDefinition(WebhookSql.RotateSecret,
            new { id, secret, overlapSeconds }, tx, cancellationToken: ct));
        if (row is null)
            return Problems.NotFound("webhook subscription");
        var rotated = new RotatedSecret(secret, row.PreviousSecretValidUntil);
        var stored = await answers.StoreAsync(http, connection, tx, 200, rotated, null, null, ct);
        await tx.CommitAsync(ct);
        stored?.Invoke();
        return TypedResults.Ok(rotated);
    }

    private sealed record DeliveryRow(
        Guid Id, Guid EventId, string EventType, string Status, int Attempts, DateTime NextAttemptAt, DateTime? LastAttemptAt,
        int? LastStatusCode, string? LastError, DateTime CreatedAt)
    {
        public WebhookDelivery ToContract(IReadOnlyList<WebhookAttempt>? log = null) =>
            new(Id, EventId, EventType, Status, Attempts, NextAttemptAt, LastAttemptAt, LastStatusCode, LastError, CreatedAt, log);
    }

    private static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> Deliveries(
        Guid id, [AsParameters] DeliveryListQuery query, NpgsqlDataSource db, CancellationToken ct)
    {
        var limit = query.Limit ?? 20;
        DateTime? afterAt = null;
        Guid? afterId = null;
        if (Cursor.TryDecode(query.Cursor, out var after))
            (afterAt, afterId) = (after.At, after.Id);
        await using var connection = db.CreateConnection();
        if (!await ExistsAsync(connection, id, ct))
            return Problems.NotFound("webhook subscription");
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(WebhookSql.Deliveries,
            new { id, status = query.Status, afterAt, afterId, limit = limit + 1 }, cancellationToken: ct))).AsList();
        var next = Cursor.TrimToPage(rows, limit, last => Cursor.Encode(last.CreatedAt, last.Id));
        return TypedResults.Ok(new WebhookDeliveryList(rows.Select(r => r.ToContract()).ToList(), next));
    }

    private static async Task<Results<Ok<WebhookDelivery>, ProblemHttpResult>> Delivery(Guid id, Guid deliveryId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(WebhookSql.Delivery, new { id, deliveryId }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<DeliveryRow>();
        var attempts = (await results.ReadAsync<WebhookAttempt>()).ToList();
        return row is null ? Problems.NotFound("delivery") : TypedResults.Ok(row.ToContract(attempts));
    }

    private static async Task<Results<Accepted<ReplayResult>, ProblemHttpResult>> Redeliver(Guid id, Guid deliveryId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var queued = await connection.ExecuteAsync(new CommandDefinition(WebhookSql.Redeliver, new { id, deliveryId }, cancellationToken: ct));
        return queued == 0 ? Problems.NotFound("delivery") : TypedResults.Accepted($"/api/v1/manage/webhooks/{id}/deliveries/{deliveryId}", new ReplayResult(queued));
    }

    private static async Task<Results<Accepted<ReplayResult>, ProblemHttpResult>> ReplayDeadLetters(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        if (!await ExistsAsync(connection, id, ct))
            return Problems.NotFound("webhook subscription");
        var queued = await connection.ExecuteAsync(new CommandDefinition(WebhookSql.ReplayDead, new { id }, cancellationToken: ct));
        return TypedResults.Accepted($"/api/v1/manage/webhooks/{id}/deliveries?status=pending", new ReplayResult(queued));
    }

    private static Task<bool> ExistsAsync(NpgsqlConnection connection, Guid id, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("select exists (select 1 from webhook_subscriptions where id = @id)", new { id }, cancellationToken: ct));
}
