using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Audit;

public sealed class AuditTests : ApiTestBase
{
    [Test]
    public async Task AdminsReadWhoDidWhatToWhichResourceAndFilterIt()
    {
        var created = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "Night desk", role = "editor" }));
        var secret = created["key"]!.GetValue<string>();
        var keyId = created["id"]!.GetValue<string>();
        using var editor = ClientWithKey(secret);
        var article = await ReadJsonAsync(await editor.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "night-shift", title = "Night shift" }));
        var id = article["id"]!.GetValue<string>();
        await SendAsync(editor, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new { slug = "night-shift", title = "Night shift ends" }, article["version"]!.GetValue<int>());
        Assert.That((await editor.PostAsJsonAsync("/api/v1/manage/keys", new { name = "sneaky", role = "admin" })).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await editor.GetAsync("/api/v1/manage/articles");

        var all = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?keyId={keyId}"));
        var entries = all["items"]!.AsArray();
        Assert.That(entries.Select(e => e!["action"]!.GetValue<string>()), Is.EqualTo(new[] { "CreateKey", "UpdateArticle", "CreateArticle" }),
            "newest first; reads are not recorded; the refused attempt is");
        Assert.That(entries[0]!["statusCode"]!.GetValue<int>(), Is.EqualTo(403));
        var create = entries[2]!;
        Assert.That(create["keyName"]!.GetValue<string>(), Is.EqualTo("Night desk"));
        Assert.That(create["role"]!.GetValue<string>(), Is.EqualTo("editor"));
        Assert.That(create["resourceType"]!.GetValue<string>(), Is.EqualTo("articles"));
        Assert.That(create["resourceId"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(create["method"]!.GetValue<string>(), Is.EqualTo("POST"));
        Assert.That(create.AsObject().ContainsKey("clientAddress"), Is.True);
        Assert.That(all.ToJsonString(), Does.Not.Contain(secret));
        Assert.That(await SqlAsync<bool>("select exists (select 1 from audit_log a where a::text like '%' || @secret || '%')", new { secret }), Is.False);

        var onArticle = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?resourceType=articles&resourceId={id}"));
        Assert.That(onArticle["items"]!.AsArray(), Has.Count.EqualTo(2));
        var paged = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?keyId={keyId}&limit=2"));
        Assert.That(paged["items"]!.AsArray(), Has.Count.EqualTo(2));
        var rest = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?keyId={keyId}&limit=2&cursor={paged["nextCursor"]}"));
        Assert.That(rest["items"]!.AsArray().Single()!["action"]!.GetValue<string>(), Is.EqualTo("CreateArticle"));
        var future = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?since={DateTime.UtcNow.AddHours(1):O}"));
        Assert.That(future["items"]!.AsArray(), Is.Empty);

        Assert.That((await editor.GetAsync("/api/v1/manage/audit")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await AssertProblemAsync(await Admin.GetAsync("/api/v1/manage/audit?limit=0"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Admin.GetAsync("/api/v1/manage/audit?cursor=bogus"), HttpStatusCode.BadRequest);
    }
}
