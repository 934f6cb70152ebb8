using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// 400s for values the framework could not bind, in plain words and with per-field errors like every validation
/// problem: which query parameter or body member is wrong, and what it must be. Worked out from the endpoint's
/// own parameters and body type, so no .NET type name or framework wording reaches a client. The exception
/// handler runs with the endpoint cleared: the failed request's endpoint and route values come from its feature.
/// </summary>
internal static class BindingProblems
{
    private const string Title = "One or more validation errors occurred.";

    /// <summary>A query or route value that does not parse, or a body that is missing.</summary>
    public static HttpValidationProblemDetails ForParameters(HttpContext context)
    {
        var failed = context.Features.Get<IExceptionHandlerFeature>();
        var endpoint = failed?.Endpoint ?? context.GetEndpoint();
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, type, fromRoute) in EndpointParameters.Of(endpoint))
        {
            var raw = fromRoute ? (failed?.RouteValues ?? context.Request.RouteValues)[name]?.ToString()
                : context.Request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
            if (!string.IsNullOrEmpty(raw) && !Parses(raw, type))
                errors[name] = [$"{name} must be {Expected(type)}."];
        }
        if (errors.Count == 0)
        {
            // Nothing in the address is wrong: the framework found no body where one is required.
            errors["body"] = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } body
                ? [$"The request body must be {Expected(body)}."]
                : ["The request could not be read."];
        }
        return new HttpValidationProblemDetails(errors) { Status = 400, Title = Title };
    }

    /// <summary>Body JSON that is malformed, or holds a value of the wrong kind for its member.</summary>
    public static HttpValidationProblemDetails ForJson(HttpContext context, JsonException json, string field)
    {
        string message;
        if (json.InnerException is JsonException reader)
        {
            // The reader's own words describe the syntax error; its position is added in a client's terms.
            var what = reader.Message.Split(" LineNumber:", 2)[0].Trim();
            message = $"The body is not valid JSON: {what} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).";
            field = "body";
        }
        else
        {
            var body = (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            var type = body is null ? null : TypeAt(body, json.Path);
            message = type is null ? $"{field} has a value of the wrong kind." : $"{field} must be {Expected(type)}.";
        }
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400,
            Title = "The request body is not valid JSON for this operation.",
        };
    }

    private static bool Parses(string raw, Type type)
    {
        var inv = CultureInfo.InvariantCulture;
        return (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(int) => int.TryParse(raw, NumberStyles.Integer, inv, out _),
            var t when t == typeof(long) => long.TryParse(raw, NumberStyles.Integer, inv, out _),
            var t when t == typeof(double) => double.TryParse(raw, NumberStyles.Float | NumberStyles.AllowThousands, inv, out _),
            var t when t == typeof(bool) => bool.TryParse(raw, out _),
            var t when t == typeof(Guid) => Guid.TryParse(raw, out _),
            var t when t == typeof(DateTimeOffset) => DateTimeOffset.TryParse(raw, inv, DateTimeStyles.None, out _),
            var t when t == typeof(DateTime) => DateTime.TryParse(raw, inv, DateTimeStyles.None, out _),
            _ => true,
        };
    }

    /// <summary>What a value of this type looks like, in a client's words.</summary>
    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "text (a JSON string)",
        var t when t == typeof(int) => "a whole number between -2147483648 and 2147483647, like 20",
        var t when t == typeof(long) => "a whole number, like 20",
        var t when t == typeof(double) || t == typeof(decimal) => "a number, like 1.5",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(Guid) => "an id in UUID form, like 3f2b8e44-5a0e-4b59-9d55-6f1c8a7e9a10",
        var t when t == typeof(DateTimeOffset) || t == typeof(DateTime) => "a date and time in ISO 8601 form, like 2030-01-01T08:00:00Z",
        var t when ElementType(t) is not null => "a list (a JSON array)",
        _ => "a JSON object with this operation's fields",
    };

    // "$.sources[0].url" from the body type: the member's declared type, or null when the path leads nowhere known.
    private static Type? TypeAt(Type root, string? path)
    {
        var type = root;
        foreach (var segment in (path ?? "$").TrimStart('$').Replace("[", ".[").Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (segment.StartsWith('['))
                type = ElementType(type);
            else
                type = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
            if (type is null)
                return null;
        }
        return type;
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
