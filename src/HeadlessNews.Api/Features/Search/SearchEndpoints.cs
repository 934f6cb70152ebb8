using Dapper;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HeadlessNews.Api.Features.Search;

internal static class SearchEndpoints
{
    private const double MinimumScore = 0.45;

    public static RouteGroupBuilder MapSearch(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/search").WithTags("Search").AllowAnonymous()
            .RequireCors(CorsSetup.Delivery).WithValidation().WithDeliveryCaching();
        group.MapGet("/suggest", Suggest).WithName("SuggestSearch")
            .WithSummary("Search-as-you-type suggestions")
            .WithDescription("Published article titles and tag names that start like, or nearly like, what was typed.");
        return group;
    }

    private static async Task<Ok<SuggestionList>> Suggest([AsParameters] SuggestQuery query, HttpContext http, DeliveryDataSource db, CancellationToken ct)
    {
        var q = query.Q!.Trim();
        // Every branch is an index walk whatever the words: the generic plan of the delivery pool fits.
        await using var connection = db.Source.CreateConnection();
        var rows = await connection.QueryAsync<(string Kind, string Text, string Slug, DateTime? PublishedAt, double Score)>(new CommandDefinition(
            SearchSql.Suggest, new { q, limit = query.Limit ?? 8 }, cancellationToken: ct));
        // Tags were already filtered by similarity in SQL. One misplaced letter in a nine-letter word leaves a
        // similarity of about 0.58; below 0.45 a title word has too little in common with what was typed to show.
        var items = rows.Where(r => r.Kind == "tag" || r.Score >= MinimumScore).Select(r => new Suggestion(r.Kind, r.Text, r.Slug)).ToList();
        SurrogateKeys.Add(http, [SurrogateKeys.Lists]);
        return TypedResults.Ok(new SuggestionList(items, null));
    }
}
