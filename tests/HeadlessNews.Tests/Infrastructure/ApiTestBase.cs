using HeadlessNews.Tests;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace HeadlessNews.Tests.Infrastructure;


/// <summary>Each test starts with empty tables and talks to the API over HTTP only.</summary>
public abstract class ApiTestBase
{
    protected HttpClient Anonymous { get; private set; } = null!;
    protected HttpClient Admin { get; private set; } = null!;

    private int _logLinesAtStart;
    private int _exchangesAtStart;

    /// <summary>How many API tests have started in this run (the contract coverage test needs all of them first).</summary>
    internal static int TestsStarted;

    [SetUp]
    public async Task ResetDatabaseAsync()
    {
        _logLinesAtStart = CapturedLogs.Instance.Lines.Count;
        _exchangesAtStart = Contract.ExchangeRecorder.Count;
        Interlocked.Increment(ref TestsStarted);
        await GlobalSetup.ResetAsync(BackgroundServices.AskedForByCurrentTest(GetType()));
        Anonymous = GlobalSetup.Factory.CreateClient();
        Admin = ClientWithKey(HeadlessNewsApiFactory.BootstrapAdminKey);
    }

    /// <summary>Every answer this test received must be one openapi.yaml describes: status, headers and body.</summary>
    [TearDown]
    public async Task CheckAnswersAgainstTheContractAsync()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            return;
        var verdicts = await Contract.ContractValidator.CheckAsync(Contract.ExchangeRecorder.Since(_exchangesAtStart));
        var violations = verdicts.Where(v => v.Problems.Length > 0)
            .Select(v => $"{v.Operation} {v.Status}: {string.Join("; ", v.Problems)}").Distinct().ToList();
        Assert.That(violations, Is.Empty, "Answers that openapi.yaml does not describe");
    }

    [TearDown]
    public async Task DisposeClientsAsync()
    {
        // A failed test shows the errors the app logged while it ran.
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            foreach (var line in CapturedLogs.Instance.Lines.Skip(_logLinesAtStart).Where(l => l.StartsWith("Error") || l.StartsWith("Critical")))
                TestContext.Out.WriteLine(line);
        Anonymous.Dispose();
        Admin.Dispose();
        // Background work the test asked for ends with it (and its failure, if any, is this test's).
        await GlobalSetup.StopBackgroundAsync();
    }

    protected static HttpClient ClientWithKey(string key)
    {
        var client = GlobalSetup.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A signed-in reader: an HS256 token from the test sign-in for this subject.</summary>
    protected static HttpClient ReaderClient(string subject, string name = "Reader", string? email = null, bool staff = false) =>
        ClientWithKey(ReaderTokenMint.Create(subject, name, email, staff));

    protected async Task<HttpClient> ClientWithRoleAsync(string role)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = $"{role} key", role });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return ClientWithKey((await ReadJsonAsync(response))["key"]!.GetValue<string>());
    }

    protected static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new AssertionException("Empty body");
    }

    /// <summary>Asserts an RFC 9457 problem response with this status and returns its body.</summary>
    protected static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        var problem = JsonNode.Parse(body)!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo((int)status));
        return problem;
    }

    protected static string[] Slugs(JsonNode list) =>
        list["items"]!.AsArray().Select(i => i!["slug"]!.GetValue<string>()).ToArray();

    // Seeding through the API keeps tests honest about what a client can do.

    protected async Task CreateTagAsync(string slug, string kind = "topic", string? name = null)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug, name = name ?? slug, kind });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    protected async Task<(Guid Id, int Version)> CreateArticleAsync(string slug, string[]? tags = null, object? extra = null)
    {
        var body = new JsonObject
        {
            ["slug"] = slug,
            // Titles share no words unless a test says so: shared words make articles related by text.
            ["title"] = string.Join(' ', slug.Split('-')),
            ["summary"] = $"About {slug}.",
            ["bodyMarkdown"] = $"## Section\n\nText for {slug}.",
            ["tags"] = new JsonArray((tags ?? []).Select(t => (JsonNode)t!).ToArray()),
        };
        if (extra is not null)
        {
            foreach (var (key, value) in JsonSerializer.SerializeToNode(extra, JsonSerializerOptions.Web)!.AsObject())
                body[key] = value?.DeepClone();
        }
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var json = await ReadJsonAsync(response);
        return (json["id"]!.GetValue<Guid>(), json["version"]!.GetValue<int>());
    }

    protected Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null, int? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (ifMatch is { } version)
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        return client.SendAsync(request);
    }

    protected async Task<int> PublishAsync(Guid id, int version, DateTimeOffset? publishAt = null)
    {
        var response = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish",
            publishAt is null ? null : new { publishAt }, version);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["version"]!.GetValue<int>();
    }

    protected async Task<Guid> CreatePublishedAsync(string slug, string[]? tags = null, DateTimeOffset? publishAt = null)
    {
        var (id, version) = await CreateArticleAsync(slug, tags);
        await PublishAsync(id, version, publishAt ?? DateTimeOffset.UtcNow);
        return id;
    }

    /// <summary>Direct SQL, for arranging what the API deliberately cannot do (moving time) and for checking storage.</summary>
    protected static async Task<T> SqlAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new AssertionException("No value from: " + sql);
    }

    /// <summary>A fingerprint of every stored row, to prove a rejected request changed nothing.</summary>
    protected static Task<string> SnapshotAsync() => SqlAsync<string>("""
        select md5(coalesce((select string_agg(t::text, '|' order by t::text) from articles t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from tags t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from article_tags t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from related_links t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from api_keys t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from webhook_subscriptions t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from corrections t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from comments t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from comment_reports t), '') ||
                   coalesce((select string_agg(t::text, '|' order by t::text) from conversation_settings t), '') ||
                   (select count(*) from article_revisions)::text || (select count(*) from events)::text)
        """);
}
