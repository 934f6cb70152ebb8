using Dapper;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace HeadlessNews.Api.Features.Tags;

internal static class TagEndpoints
{
    public static RouteGroupBuilder MapTags(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tags").WithTags("Tags").AllowAnonymous().RequireCors(CorsSetup.Delivery).WithValidation().WithDeliveryCaching();
        group.MapGet("/", ListTags).WithName("ListTags")
            .WithSummary("List tags")
            .WithDescription("Tags in slug order, each with the number of published articles that carry it.");
        group.MapGet("/{slug}", GetTag).WithName("GetTag").ProducesProblems(404).WithSummary("Get a tag by slug");
        return group;
    }

    public static RouteGroupBuilder MapManageTags(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/manage/tags").WithTags("Manage tags")
            .RequireAuthorization(Policies.WriteContent).RequireCors(CorsSetup.Management).WithValidation();
        group.MapPost("/", CreateTag).WithName("CreateTag").ProducesProblems(409).WithSummary("Create a tag");
        group.MapPut("/{id:guid}", UpdateTag).WithName("UpdateTag").ProducesProblems(404, 409).WithSummary("Replace a tag's fields");
        group.MapDelete("/{id:guid}", DeleteTag).WithName("DeleteTag").ProducesProblems(404, 409)
            .WithSummary("Delete a tag")
            .WithDescription("Refused with 409 while articles still carry the tag.");
        return group;
    }

    private static async Task<Ok<TagList>> ListTags([AsParameters] TagListQuery query, HttpContext http, DeliveryDataSource db, CancellationToken ct)
    {
        var limit = query.Limit ?? 50;
        string? after = null;
        if (query.Cursor is not null)
            Cursor.TryDecodeText(query.Cursor, out after!);
        await using var connection = db.Source.CreateConnection();
        var rows = (await connection.QueryAsync<Tag>(new CommandDefinition(TagSql.List,
            new { kind = query.Kind, after, limit = limit + 1 }, cancellationToken: ct))).AsList();
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        return TypedResults.Ok(new TagList(rows, Cursor.TrimToPage(rows, limit, last => Cursor.EncodeText(last.Slug))));
    }

    private static async Task<Results<Ok<Tag>, ProblemHttpResult>> GetTag(string slug, HttpContext http, DeliveryDataSource db, CancellationToken ct)
    {
        if (!TextRules.IsSlug(slug, 100))
            return Problems.NotFound("tag");
        await using var connection = db.Source.CreateConnection();
        var tag = await connection.QuerySingleOrDefaultAsync<Tag>(new CommandDefinition(TagSql.BySlug, new { slug }, cancellationToken: ct));
        if (tag is null)
            return Problems.NotFound("tag");
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        return TypedResults.Ok(tag);
    }

    private static async Task<Created<Tag>> CreateTag(
        TagWrite tag, HttpContext http, NpgsqlDataSource db, DeliveryCacheInvalidator cache, IdempotentAnswers answers, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = await connection.ExecuteScalarAsync<Guid>(new CommandDefinition(TagSql.Insert, tag, tx, cancellationToken: ct));
        var created = await connection.QuerySingleAsync<Tag>(new CommandDefinition(TagSql.ById, new { id }, tx, cancellationToken: ct));
        await ContentEvents.TagWrittenAsync(connection, tx, EventTypes.TagCreated, created, ct);
        var location = $"/api/v1/tags/{created.Slug}";
        var stored = await answers.StoreAsync(http, connection, tx, 201, created, location, null, ct);
        await tx.CommitAsync(ct);
        stored?.Invoke();
        await cache.InvalidateAsync(SurrogateKeys.Lists);
        return TypedResults.Created(location, created);
    }

    private static async Task<Results<Ok<Tag>, ProblemHttpResult>> UpdateTag(Guid id, TagWrite tag, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(TagSql.Update,
            new { Id = id, tag.Slug, tag.Name, tag.Kind, tag.Description }, tx, cancellationToken: ct));
        if (updated == 0)
            return Problems.NotFound("tag");
        var changed = await connection.QuerySingleAsync<Tag>(new CommandDefinition(TagSql.ById, new { id }, tx, cancellationToken: ct));
        await ContentEvents.TagWrittenAsync(connection, tx, EventTypes.TagUpdated, changed, ct);
        await tx.CommitAsync(ct);
        // Articles show tag names and slugs: a rename can touch any delivery response.
        await cache.EverythingChangedAsync();
        return TypedResults.Ok(changed);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteTag(Guid id, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var tag = await connection.QuerySingleOrDefaultAsync<Tag>(new CommandDefinition(TagSql.ById + " for update", new { id }, tx, cancellationToken: ct));
        if (tag is null)
            return Problems.NotFound("tag");
        await connection.ExecuteAsync(new CommandDefinition(TagSql.Delete, new { id }, tx, cancellationToken: ct));
        await ContentEvents.TagWrittenAsync(connection, tx, EventTypes.TagDeleted, tag, ct);
        await tx.CommitAsync(ct);
        await cache.InvalidateAsync(SurrogateKeys.Lists);
        return TypedResults.NoContent();
    }
}
