using Dapper;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace HeadlessNews.Api.Features.Keys;

internal static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/manage/keys")
            .WithTags("Keys")
            .RequireAuthorization(Policies.Admin)
            .RequireCors(CorsSetup.Management)
            .WithValidation();

        group.MapPost("/", CreateKey).WithName("CreateKey")
            .WithSummary("Create an API key")
            .WithDescription("Creates a key with a role. The secret is returned in `key` this once; only its hash is stored. " +
                             "A retry with the same Idempotency-Key replays the answer with `key` null (header Idempotent-Secret-Withheld: key).")
            .ShowsSecretOnce("key");
        group.MapGet("/", ListKeys).WithName("ListKeys").WithSummary("List API keys (without secrets)");
        group.MapDelete("/{id:guid}", RevokeKey).WithName("RevokeKey").ProducesProblems(404)
            .WithSummary("Revoke an API key")
            .WithDescription("The key stops working at once. Revoking is permanent.");
        return group;
    }

    private static async Task<Created<CreatedApiKey>> CreateKey(
        CreateKeyRequest request, HttpContext http, NpgsqlDataSource db, IdempotentAnswers answers, CancellationToken ct)
    {
        var key = ApiKeyAuth.NewKey();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleAsync<ApiKey>(new CommandDefinition(KeySql.Insert,
            new { request.Name, request.Role, Hash = ApiKeyAuth.Hash(key), Prefix = key[..10], request.RequestsPerMinute }, tx, cancellationToken: ct));
        var location = $"/api/v1/manage/keys/{row.Id}";
        var created = new CreatedApiKey(row.Id, row.Name, row.Role, row.KeyPrefix, row.CreatedAt, row.RequestsPerMinute, key);
        var stored = await answers.StoreAsync(http, connection, tx, 201, created, location, null, ct);
        await tx.CommitAsync(ct);
        stored?.Invoke();
        return TypedResults.Created(location, created);
    }

    private static async Task<Ok<KeyList>> ListKeys(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<ApiKey>(new CommandDefinition(KeySql.List, cancellationToken: ct));
        return TypedResults.Ok(new KeyList(rows.AsList(), null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var revoked = await connection.ExecuteAsync(new CommandDefinition(KeySql.Revoke, new { id }, cancellationToken: ct));
        return revoked == 1 ? TypedResults.NoContent() : Problems.NotFound("active key");
    }
}
