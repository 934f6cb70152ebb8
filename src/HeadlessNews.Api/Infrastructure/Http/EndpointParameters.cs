using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// The values an endpoint binds from its address (query parameters and route values) under the names clients
/// use, read from its handler's signature once per endpoint.
/// </summary>
internal static class EndpointParameters
{
    private static readonly ConcurrentDictionary<Endpoint, (string Name, Type Type, bool FromRoute)[]> Known = new();

    public static IReadOnlyList<(string Name, Type Type, bool FromRoute)> Of(Endpoint? endpoint) =>
        endpoint is null ? [] : Known.GetOrAdd(endpoint, e => [.. Read(e)]);

    private static IEnumerable<(string Name, Type Type, bool FromRoute)> Read(Endpoint endpoint)
    {
        var route = (endpoint as RouteEndpoint)?.RoutePattern;
        foreach (var parameter in endpoint.Metadata.GetMetadata<MethodInfo>()?.GetParameters() ?? [])
        {
            if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                foreach (var member in parameter.ParameterType.GetConstructors().SelectMany(c => c.GetParameters()))
                {
                    if (member.GetCustomAttribute<FromQueryAttribute>() is { } query)
                        yield return (query.Name ?? member.Name!, member.ParameterType, false);
                }
            }
            else if (parameter.Name is { } name && IsSimple(parameter.ParameterType))
            {
                yield return (parameter.GetCustomAttribute<FromQueryAttribute>()?.Name ?? name, parameter.ParameterType, route?.GetParameter(name) is not null);
            }
        }
    }

    // What the framework binds from the address rather than from services or the body.
    private static bool IsSimple(Type type) => Nullable.GetUnderlyingType(type) is { } inner ? IsSimple(inner)
        : type.IsPrimitive || type == typeof(string) || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset)
          || type == typeof(decimal);
}
