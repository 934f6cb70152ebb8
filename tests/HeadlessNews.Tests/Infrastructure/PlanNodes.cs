using System.Text.Json.Nodes;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>The nodes of a plan PostgreSQL wrote with EXPLAIN (FORMAT JSON): the node itself, then its children's.</summary>
internal static class PlanNodes
{
    public static IEnumerable<JsonNode> All(JsonNode node) =>
        [node, .. (node["Plans"]?.AsArray() ?? []).SelectMany(child => All(child!))];
}
