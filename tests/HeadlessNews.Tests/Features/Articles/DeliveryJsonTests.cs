using System.Text.Json;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Http;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Tests.Features.Articles;

/// <summary>
/// Article pages and lists are written by serialization code generated at build time (DeliveryJsonContext). It must
/// write exactly what the app's own serializer writes, byte for byte, or the answers (and their ETags) would depend on
/// which path wrote them: a new property, attribute or option that the generated code does not honour shows up here.
/// </summary>
public sealed class DeliveryJsonTests
{
    private static readonly DateTime When = new(2026, 11, 30, 9, 15, 42, 123, DateTimeKind.Utc);

    private static JsonSerializerOptions AppOptions =>
        GlobalSetup.Factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    private static Article Article(bool full) => new()
    {
        Id = Guid.Parse("3f2b8e44-5a0e-4b59-9d55-6f1c8a7e9a10"),
        Slug = "harbour-talks",
        Title = full ? "Talks <resume> at the \"harbour\" & café \u2028 end" : "Plain",
        Summary = full ? "A line\nand another, with </script> in it." : null,
        BodyMarkdown = "## Heading\n\n> quoted & *emphasis* \t tab \u00e9\u4e2d\ud83d\ude00",
        BodyHtml = "<h2 id=\"heading\">Heading</h2>\n<blockquote><p>quoted &amp; <em>emphasis</em></p></blockquote>",
        Outline = full ? [new OutlineEntry(2, "Heading", "heading"), new OutlineEntry(3, "Sub \"part\"", "sub-part")] : [],
        Status = "published",
        PublishedAt = full ? When : null,
        CreatedAt = When.AddDays(-1),
        UpdatedAt = When.AddTicks(1),
        Tags = full ? [new TagRef("ports", "Ports & shipping", "topic"), new TagRef("oslo", "Oslo", "place")] : [],
        Sources = full ? [new SourceLink("Minutes", "https://example.org/a?b=1&c=2", "Port authority"), new SourceLink("Notice", "https://example.org/n")] : [],
        AiGenerated = full,
        Disclosure = full ? "Drafted with help." : null,
        HeroImage = full ? new HeroImage("https://images.example.org/h.jpg", "Cranes at dusk", null) : null,
        CanonicalUrl = "https://news.example.org/articles/harbour-talks",
        WordCount = 1234,
        ReadingTimeMinutes = 6,
        Corrections = full ? [new CorrectionNote("correction", "The date was wrong.", When)] : [],
        Version = 7,
        Comments = new CommentSummary(full, full ? 12 : 0),
    };

    private static IEnumerable<object> Answers()
    {
        foreach (var full in new[] { true, false })
        {
            var related = full
                ? new List<RelatedCard>
                {
                    new(Guid.NewGuid(), "a", "A <b>", "S", When, new HeroImage("https://i.example.org/a.jpg"), new CommentSummary(true, 3), "curated"),
                    new(Guid.NewGuid(), "b", "B", null, When, null, new CommentSummary(false, 0), "computed", "shared-tags"),
                }
                : [];
            var a = Article(full);
            yield return new ArticlePage(a, related);
            yield return new ArticleList(
                full
                    ? [new ArticleCard(a.Id, a.Slug, a.Title, a.Summary, a.PublishedAt, a.CreatedAt, a.UpdatedAt, a.Status, a.Tags, a.HeroImage,
                        a.AiGenerated, a.ReadingTimeMinutes, a.CanonicalUrl, a.Comments, "… <mark>harbour</mark> …")]
                    : [],
                full ? "opaque-cursor" : null);
        }
    }

    [Test]
    public void TheGeneratedWriterWritesWhatTheAppsSerializerWrites()
    {
        var options = AppOptions;
        foreach (var value in Answers())
        {
            var generated = DeliveryJsonContext.For(value.GetType(), options);
            Assert.That(generated, Is.Not.Null, $"{value.GetType().Name} is written by the generated code");
            // Through a writer with the app's encoder, as the delivery cache writes bodies.
            Assert.That(Written(w => JsonSerializer.Serialize(w, value, generated!), options),
                Is.EqualTo(Written(w => JsonSerializer.Serialize(w, value, value.GetType(), options), options)));
        }
    }

    [Test]
    public void ANullWhereTheContractHasNoneFailsOnBothPaths()
    {
        // Stored JSON is read without the app's options: {"url": null} in a hero image column would arrive as a null Url.
        var options = AppOptions;
        var page = new ArticlePage(Article(true) with { HeroImage = new HeroImage(null!) }, []);
        var generated = DeliveryJsonContext.For(typeof(ArticlePage), options)!;
        Assert.Throws<JsonException>(() => Written(w => JsonSerializer.Serialize(w, page, typeof(ArticlePage), options), options));
        Assert.Throws<JsonException>(() => Written(w => JsonSerializer.Serialize(w, page, generated), options));
    }

    private static string Written(Action<Utf8JsonWriter> write, JsonSerializerOptions options)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder }))
            write(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Test]
    public void OptionsTheGeneratedCodeWasNotBuiltForFallBackToTheSerializer()
    {
        var changed = new JsonSerializerOptions(AppOptions) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        Assert.That(DeliveryJsonContext.For(typeof(ArticlePage), changed), Is.Null);
        Assert.That(DeliveryJsonContext.For(typeof(RelatedList), AppOptions), Is.Null, "a type it was not generated for");
    }
}
