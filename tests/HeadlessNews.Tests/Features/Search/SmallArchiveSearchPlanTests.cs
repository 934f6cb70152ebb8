using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Tests.Features.Bench;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// A search box's first page runs on the delivery pool's generic plan, which cannot see the words. On a small archive
/// just imported (2,000 articles, the benchmark's generator, before any VACUUM) that plan once scanned the copy of the
/// newest articles' vectors whole for the body tier, decompressing every body to test it: 10-11 ms a search, ten times
/// what the full-text index costs. The newest body slice must read the copy through its index on a connection of
/// that pool.
/// </summary>
public sealed class SmallArchiveSearchPlanTests : ApiTestBase
{
    [Test]
    public async Task TheNewestBodySliceOfASmallArchiveJustImportedIsReadThroughItsIndex()
    {
        // Autovacuum kept away from the copy, so that its indexes have no statistics of their own when the plan is made.
        await SqlAsync<int>("alter table article_search_recent set (autovacuum_enabled = false); select 1");
        JsonNode plan;
        try
        {
            (await ArchiveGeneratorTests.GenerateAsync(2000)).AssertSucceeded("generating 2,000 articles");
            plan = await GenericPlanAsync();
        }
        finally
        {
            await SqlAsync<int>("alter table article_search_recent reset (autovacuum_enabled); select 1");
        }

        // The copy's newest body slice: every article of a small archive is in it. Its index has no statistics of its own
        // yet (VACUUM keeps them), which is when a sequential scan looked cheaper to the planner.
        var newestBodies = PlanNodes.All(plan)
            .Where(n => $"{n["Relation Name"]}" == "article_search_recent" && $"{n["Filter"]} {n["Recheck Cond"]}" is var quals
                        && quals.Contains("body @@") && quals.Contains("newest"))
            .Select(n => $"{n["Node Type"]}").ToList();
        Assert.That(newestBodies, Is.EqualTo(new[] { "Bitmap Heap Scan" }), plan.ToJsonString());
    }

    private static async Task<JsonNode> GenericPlanAsync()
    {
        var (sql, args, plannedPerQuery) = ArticleListSql.Build(
            new ArticleListQuery(null, null, null, null, null, "drone storm", null, null), 21, "english", SearchStatistics.None);
        Assert.That(plannedPerQuery, Is.False, "a first page of plain words runs on the generic plan");

        // The statement prepared as Npgsql prepares it (its parameters numbered), then explained on a connection of the
        // pool that runs it, with that pool's settings.
        var names = args.ParameterNames.ToList();
        var numbered = Regex.Replace(sql, @"(?<!@)@([A-Za-z_][A-Za-z0-9_]*)", m => $"${names.IndexOf(m.Groups[1].Value) + 1}");
        var values = names.Select(name => Literal(args.Get<object>(name))).ToList();
        await using var connection = await GlobalSetup.Factory.Services.GetRequiredService<DeliveryDataSource>().Source.OpenConnectionAsync();
        await connection.ExecuteAsync($"prepare small_archive_search ({string.Join(", ", values.Select(v => v.Type))}) as {numbered}");
        try
        {
            return JsonNode.Parse(await connection.ExecuteScalarAsync<string>(
                $"explain (format json) execute small_archive_search ({string.Join(", ", values.Select(v => v.Sql))})") ?? "[]")![0]!["Plan"]!;
        }
        finally
        {
            // The pool keeps its connections' sessions as they are (no reset on close).
            await connection.ExecuteAsync("deallocate small_archive_search");
        }
    }

    private static (string Type, string Sql) Literal(object? value) => value switch
    {
        int i => ("int4", i.ToString(CultureInfo.InvariantCulture)),
        double d => ("float8", $"'{d.ToString("R", CultureInfo.InvariantCulture)}'::float8"),
        string s => ("text", Quote(s)),
        string[] a => ("text[]", $"array[{string.Join(", ", a.Select(Quote))}]::text[]"),
        float[] a => ("float4[]", $"array[{string.Join(", ", a.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}]::float4[]"),
        _ => throw new ArgumentException($"No literal for {value?.GetType().Name ?? "null"}"),
    };

    private static string Quote(string s) => $"'{s.Replace("'", "''")}'";
}
