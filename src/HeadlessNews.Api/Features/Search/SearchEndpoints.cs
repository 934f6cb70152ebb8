using Dapper;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace HeadlessNews.Api.Features.Search;

internal static class SearchEndpoints
{
    public static RouteGroupBuilder MapSearch(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/search").WithTags("Search").AllowAnonymous()
            .RequireCors(CorsSetup.Delivery).WithValidation().WithDeliveryCaching();
        group.MapGet("/suggest", Suggest).WithName("SuggestSearch")
            .WithSummary("Search-as-you-type suggestions")
            .WithDescription("Published article titles and tag names that start like, or nearly like, what was typed.");
        return group;
    }

    private static async Task<Ok<SuggestionList>> Suggest([AsParameters] SuggestQuery query, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var q = query.Q!.Trim();
        // ilike wildcards in what was typed are matched literally.
        var prefix = q.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        await using var connection = db.CreateConnection();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition($"{SearchSql.LowerWordThreshold};\n{SearchSql.Suggest}",
            new { q, prefix, limit = query.Limit ?? 8 }, cancellationToken: ct));
        await results.ReadAsync<string>();
        var items = await results.ReadAsync<Suggestion>();
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        return TypedResults.Ok(new SuggestionList(items.AsList(), null));
    }
}
