using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Bench;

/// <summary>
/// bench/run.sh's first step, small: the archive generator fills the migrated schema (with every newer table in it)
/// and the API serves what it wrote. It once failed on a fresh database; this keeps it from rotting unnoticed.
/// </summary>
public sealed class ArchiveGeneratorTests : ApiTestBase
{
    // Built with the tests (a project reference that adds nothing to them), in the same configuration.
    private static readonly string Generator = Path.Combine(TestDatabase.RepositoryRoot(), "bench", "HeadlessNews.Bench", "bin",
        typeof(ArchiveGeneratorTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0", "HeadlessNews.Bench.dll");

    // The benchmark's generator filling the test database: its archives are what some plan tests need.
    internal static Task<ExternalProcess.Result> GenerateAsync(int articles) =>
        ExternalProcess.RunAsync("dotnet", $"\"{Generator}\" generate \"{GlobalSetup.UnpooledConnectionString}\" {articles}",
            TestDatabase.RepositoryRoot(), timeoutSeconds: 120);

    [Test]
    public async Task ASmallArchiveLoadsIntoAFreshDatabaseAndAgainOverItself()
    {
        (await GenerateAsync(60)).AssertSucceeded("generating 60 articles into an empty database");
        (await GenerateAsync(40)).AssertSucceeded("generating 40 articles over the first 60");

        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(40));
        Assert.That(await SqlAsync<long>("select count(*) from tags"), Is.EqualTo(1000));
        Assert.That(await SqlAsync<long>("select count(*) from article_tags"), Is.GreaterThanOrEqualTo(40 * 3));
        var page = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles?limit=5"));
        Assert.That(page["items"]!.AsArray(), Has.Count.EqualTo(5));
        Assert.That(page["nextCursor"], Is.Not.Null);
        var detail = await Anonymous.GetAsync("/api/v1/articles/bench-000000");
        Assert.That(detail.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(JsonNode.Parse(await detail.Content.ReadAsStringAsync())!["related"]!.AsArray(), Has.Count.EqualTo(4));
    }
}
