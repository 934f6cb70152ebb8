namespace HeadlessNews.Tests.Contract;

/// <summary>The contract check itself: answers the document does not describe are caught, each kind by name.</summary>
public sealed class ContractValidatorTests
{
    private static Exchange Answer(string method, string path, int status, string? body, params (string Name, string Value)[] headers) =>
        new(method, path, status, headers.ToDictionary(h => h.Name, h => h.Value), body);

    [Test]
    public async Task AnswersTheDocumentDoesNotDescribeAreReported()
    {
        var json = ("content-type", "application/json; charset=utf-8");
        var verdicts = await ContractValidator.CheckAsync(
        [
            // A tag list as the API sends it, with every header the document requires.
            Answer("GET", "/api/v1/tags", 200, """{"items":[],"nextCursor":null}""", json, ("etag", "W/\"1\""), ("last-modified", "Sun, 29 Nov 2026 08:00:00 GMT"),
                ("cache-control", "public, max-age=60"), ("surrogate-key", "delivery")),
            Answer("GET", "/api/v1/tags", 418, "", json),
            Answer("GET", "/api/v1/tags", 200, """{"items":[],"nextCursor":null}""", json),
            Answer("GET", "/api/v1/tags", 200, """{"items":"none","nextCursor":null}""", json, ("etag", "W/\"1\""), ("last-modified", "Sun, 29 Nov 2026 08:00:00 GMT"),
                ("cache-control", "public, max-age=60"), ("surrogate-key", "delivery")),
            Answer("GET", "/api/v1/no-such-operation", 200, "{}", json),
        ]);

        Assert.That(verdicts[0].Problems, Is.Empty, string.Join("; ", verdicts[0].Problems));
        Assert.That(verdicts[0].Operation, Is.EqualTo("ListTags"));
        Assert.That(verdicts[1].Problems, Has.Some.Contains("status code"));
        Assert.That(verdicts[2].Problems, Has.Some.Contains("etag").IgnoreCase);
        Assert.That(verdicts[3].Problems, Has.Some.Contains("items"));
        Assert.That(verdicts[4].Problems, Has.Some.Contains("no operation"));
    }
}
