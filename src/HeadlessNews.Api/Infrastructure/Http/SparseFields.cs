using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// <c>fields=</c> on delivery reads: a comma-separated list of the members to keep, where a member of an
/// embedded object or list is named with a dot (<c>fields=slug,title,related.slug,related.title,tags.name</c>).
/// Naming an embedded member alone (<c>related</c>) keeps it whole. Unknown names are a 400.
/// </summary>
internal sealed class SparseFieldsMetadata
{
    private readonly HashSet<string> _allowed;

    /// <param name="shape">The type whose members can be chosen (for lists, the type of an item).</param>
    /// <param name="itemsMember">For lists: the member holding the items; other members (nextCursor) always stay.</param>
    public SparseFieldsMetadata(Type shape, string? itemsMember)
    {
        Shape = shape;
        ItemsMember = itemsMember;
        _allowed = [.. Members(shape).SelectMany(m => new[] { m.Name }.Concat(Members(ElementType(m.Type)).Select(c => $"{m.Name}.{c.Name}")))];
        Allowed = [.. _allowed.Order(StringComparer.Ordinal)];
    }

    public Type Shape { get; }

    public string? ItemsMember { get; }

    public IReadOnlyList<string> Allowed { get; }

    public bool TryParse(string? fields, out Dictionary<string, HashSet<string>?> selection, out string[] unknown)
    {
        selection = [];
        var names = (fields ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        unknown = [.. names.Where(n => !_allowed.Contains(n))];
        if (unknown.Length > 0 || names.Length == 0)
            return false;
        foreach (var name in names)
        {
            var dot = name.IndexOf('.');
            if (dot < 0)
                selection[name] = null;
            else if (!selection.TryGetValue(name[..dot], out var children) || children is not null)
                (selection[name[..dot]] = children ?? []).Add(name[(dot + 1)..]);
        }
        return true;
    }

    public JsonNode Project(JsonNode document, Dictionary<string, HashSet<string>?> selection)
    {
        if (ItemsMember is null)
            Keep(document.AsObject(), selection);
        else
            foreach (var item in document[ItemsMember]!.AsArray())
                Keep(item!.AsObject(), selection);
        return document;
    }

    private static void Keep(JsonObject node, Dictionary<string, HashSet<string>?> selection)
    {
        foreach (var name in node.Select(p => p.Key).ToList())
        {
            if (!selection.TryGetValue(name, out var children))
            {
                node.Remove(name);
                continue;
            }
            if (children is null)
                continue;
            var child = node[name];
            var objects = child is JsonArray array ? array.OfType<JsonObject>() : child is JsonObject one ? [one] : [];
            foreach (var inner in objects)
                Keep(inner, children.ToDictionary(c => c, HashSet<string>? (_) => null));
        }
    }

    private static IEnumerable<(string Name, Type Type)> Members(Type? type)
    {
        if (type is null || type == typeof(string) || type.IsValueType || !type.IsClass)
            return [];
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (JsonNamingPolicy.CamelCase.ConvertName(p.Name), p.PropertyType));
    }

    private static Type? ElementType(Type type) =>
        type != typeof(string) && type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : type;
}

internal static class SparseFieldsExtensions
{
    /// <summary>Lets clients choose members with fields=; handled by the delivery cache filter, documented in OpenAPI.</summary>
    public static RouteHandlerBuilder WithSparseFields<TShape>(this RouteHandlerBuilder builder, string? itemsMember = null) =>
        builder.WithMetadata(new SparseFieldsMetadata(typeof(TShape), itemsMember));
}
