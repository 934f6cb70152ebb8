using System.Text;
using System.Text.Json;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>Bulk export and import as NDJSON (one article per line), streamed both ways. Admins only; audited.</summary>
internal static class TransferEndpoints
{
    public const string NdjsonType = "application/x-ndjson";

    /// <summary>The import body may be far larger than any other request's.</summary>
    public const long MaxImportBytes = 4L * 1024 * 1024 * 1024;

    public static void MapTransfer(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/manage").WithTags("Import and export")
            .RequireAuthorization(Policies.Admin).RequireCors(CorsSetup.Management);
        group.MapGet("/export", Export).WithName("ExportArticles")
            .WithSummary("Export every article as NDJSON")
            .WithDescription("One article per line, in creation order, with its tags, sources, curated links (by slug), status, times and notes. " +
                             "Streams any number of articles. Each line is an ArticleRecord (see the schemas).")
            .Produces<string>(200, NdjsonType);
        group.MapPost("/import", Import).WithName("ImportArticles")
            .WithSummary("Import articles from NDJSON")
            .WithDescription("The body is NDJSON in the export's format. Each line is checked with the API's rules; good lines are " +
                             "committed in batches, bad ones are listed with their line number and reason and change nothing. " +
                             "Articles are matched by id, else slug; importing the same file again changes nothing. Each line is an ArticleRecord (see the schemas).")
            .Accepts<string>(NdjsonType)
            .ProducesProblems(415);
    }

    private static IResult Export(NpgsqlDataSource db, HttpContext http) =>
        TypedResults.Stream(async body =>
        {
            var newline = "\n"u8.ToArray();
            await foreach (var record in ArticleExporter.ReadAllAsync(db, http.RequestAborted))
            {
                await JsonSerializer.SerializeAsync(body, record, JsonSerializerOptions.Web, http.RequestAborted);
                await body.WriteAsync(newline, http.RequestAborted);
            }
        }, NdjsonType);

    private static async Task<Results<Ok<ImportSummary>, ProblemHttpResult>> Import(HttpContext http, ArticleImporter importer)
    {
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not (NdjsonType or "application/jsonl" or "application/ndjson"))
            return TypedResults.Problem(statusCode: 415, title: "Unsupported media type", detail: $"Send the articles as {NdjsonType}, one JSON object per line.");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxImportBytes;
        using var reader = new StreamReader(http.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true));
        try
        {
            return TypedResults.Ok(await importer.ImportAsync(reader, http.User.Actor(), null, http.RequestAborted));
        }
        catch (DecoderFallbackException)
        {
            const string invalid = "The body is not valid UTF-8. Lines before the bad bytes were imported.";
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = [invalid] })
                { Status = 400, Title = "Invalid UTF-8", Detail = invalid });
        }
    }
}
