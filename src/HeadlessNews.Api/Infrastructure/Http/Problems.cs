using Microsoft.AspNetCore.Http.HttpResults;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>The expected, non-exceptional failures, worded once so every endpoint answers them the same way.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No {what} was found at this address.");

    public static ProblemHttpResult PreconditionRequired() =>
        TypedResults.Problem(statusCode: 428, title: "Precondition required",
            detail: "Send If-Match with the ETag you last read, so that no one else's edit is overwritten.");

    public static ProblemHttpResult PreconditionFailed() =>
        TypedResults.Problem(statusCode: 412, title: "Precondition failed",
            detail: "The resource was changed since you read it. Fetch it again, reapply your edit and send the new ETag.");

    /// <summary>400 with per-field messages, for rules that need the database (unknown tag slugs, article ids).</summary>
    public static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400,
            Title = "One or more validation errors occurred.",
        });

    /// <summary>422: the request is well-formed, but the resource is not in a state that allows it.</summary>
    public static ProblemHttpResult Unprocessable(string title, Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = 422, Title = title });

    /// <summary>Documents problem responses an endpoint can give beside those its return type declares.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statusCodes) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statusCodes)
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        return builder;
    }
}
