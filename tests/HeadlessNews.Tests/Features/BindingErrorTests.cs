using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features;

/// <summary>A value the framework cannot bind is a 400 naming the field and what it must be, in a client's words.</summary>
public sealed partial class BindingErrorTests : ApiTestBase
{
    // What a client must never read: .NET type names and the framework's binding vocabulary.
    [GeneratedRegex(@"System\.|Nullable|DateTimeOffset|Int32|Boolean|IReadOnlyList|`1|HeadlessNews\.|Implicit body|parameter ""|Failed to bind")]
    internal static partial Regex Internals();

    /// <summary>Asserts a 400 problem whose errors name this field and say nothing of .NET.</summary>
    internal static async Task<string> AssertPlainBadRequestAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var text = problem.ToJsonString();
        Assert.That(problem["errors"]?[field], Is.Not.Null, text);
        Assert.That(Internals().IsMatch(text), Is.False, text);
        return problem["errors"]![field]![0]!.GetValue<string>();
    }

    [TestCase("/api/v1/articles?publishedAfter=9999-99-99", "publishedAfter", "ISO 8601")]
    [TestCase("/api/v1/articles?publishedBefore=yesterday", "publishedBefore", "ISO 8601")]
    [TestCase("/api/v1/articles?limit=abc", "limit", "whole number")]
    [TestCase("/api/v1/articles?limit=99999999999999", "limit", "whole number")]
    [TestCase("/api/v1/articles?limit=1&limit=2", "limit", "whole number")]
    [TestCase("/api/v1/articles/some-article/related?limit=four", "limit", "whole number")]
    [TestCase("/api/v1/tags?limit=x", "limit", "whole number")]
    [TestCase("/api/v1/search/suggest?q=a&limit=x", "limit", "whole number")]
    [TestCase("/api/v1/changes?limit=abc", "limit", "whole number")]
    [TestCase("/api/v1/manage/audit?since=yesterday", "since", "ISO 8601")]
    [TestCase("/api/v1/manage/articles/00000000-0000-0000-0000-000000000000/revisions/diff?from=a&to=2", "from", "whole number")]
    public async Task AnUnparsableQueryValueNamesTheParameter(string url, string field, string expected)
    {
        Assert.That(await AssertPlainBadRequestAsync(await Admin.GetAsync(url), field), Does.Contain(expected));
    }

    [TestCase("POST", "/api/v1/manage/articles/{id}/publish", """{"publishAt":"nope"}""", "publishAt", "ISO 8601")]
    [TestCase("POST", "/api/v1/manage/keys", """{"name":"x","role":"reader","requestsPerMinute":"many"}""", "requestsPerMinute", "whole number")]
    [TestCase("POST", "/api/v1/manage/articles", """{"slug":"x","title":"t","tags":"abc"}""", "tags", "list")]
    [TestCase("POST", "/api/v1/manage/articles", """{"slug":"x","title":"t","aiGenerated":"yes"}""", "aiGenerated", "true or false")]
    [TestCase("POST", "/api/v1/manage/articles", """{"slug":"x","title":1e999}""", "title", "text")]
    [TestCase("POST", "/api/v1/manage/articles", """{"slug":"x","title":"t","sources":[{"title":"s","url":5}]}""", "sources[0].url", "text")]
    [TestCase("PUT", "/api/v1/manage/articles/{id}/related", """{"articleIds":["not-a-guid"]}""", "articleIds[0]", "UUID")]
    [TestCase("POST", "/api/v1/manage/articles", "[]", "body", "object")]
    [TestCase("POST", "/api/v1/manage/articles", "\"a string\"", "body", "object")]
    [TestCase("POST", "/api/v1/manage/articles", "", "body", "object")]
    [TestCase("POST", "/api/v1/manage/articles", "null", "body", "object")]
    [TestCase("POST", "/api/v1/manage/articles", """{"slug":""", "body", "not valid JSON")]
    [TestCase("POST", "/api/v1/manage/articles", """{"slug":"a","title":"t"}}""", "body", "not valid JSON")]
    public async Task AnUnbindableBodyNamesTheField(string method, string url, string body, string field, string expected)
    {
        var (id, version) = await CreateArticleAsync("target");
        var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", id.ToString()))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        Assert.That(await AssertPlainBadRequestAsync(await Admin.SendAsync(request), field), Does.Contain(expected));
    }

    [Test]
    public async Task AnImportThatIsNotUtf8NamesTheBody()
    {
        var content = new ByteArrayContent([(byte)'{', 0xC3, 0x28, 0xFF, (byte)'}']);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        Assert.That(await AssertPlainBadRequestAsync(await Admin.PostAsync("/api/v1/manage/import", content), "body"), Does.Contain("UTF-8"));
    }

    [Test]
    public async Task QueryStringsTheGuardRefusesNameTheParameter()
    {
        await AssertPlainBadRequestAsync(await Anonymous.GetAsync("/api/v1/articles?api_key=secret"), "api_key");
        await AssertPlainBadRequestAsync(await Anonymous.GetAsync("/api/v1/articles?q=%C3%28"), "query");
    }
}
