using System.Net;
using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Feeds;

/// <summary>What every feed format is written from: a titled, linked list of the newest articles.</summary>
internal sealed record FeedContent(string Publisher, string Title, string Description, string SiteLink, string SelfUrl, string Language, bool FullContent, IReadOnlyList<Article> Articles)
{
    public DateTimeOffset Updated => Articles.Count == 0 ? DateTimeOffset.UnixEpoch : Articles.Max(a => a.UpdatedAt > a.PublishedAt!.Value ? a.UpdatedAt : a.PublishedAt.Value);
}

/// <summary>
/// RSS 2.0 and Atom 1.0 through System.ServiceModel.Syndication, JSON Feed 1.1 through System.Text.Json. Every item
/// carries its canonical link, its tags, and the AI disclosure with its sources, both readable in the item's HTML and
/// as data (hn: elements in XML, the _headlessnews extension in JSON Feed), so a partner cannot lose them by accident.
/// </summary>
internal static class FeedWriters
{
    public const string RssType = "application/rss+xml; charset=utf-8";
    public const string AtomType = "application/atom+xml; charset=utf-8";
    public const string JsonFeedType = "application/feed+json; charset=utf-8";
    public const string ExtensionNamespace = "https://headlessnews.dev/ns/feed/1.0";
    private static readonly XNamespace Hn = ExtensionNamespace;

    // Feed readers are not HTML pages: no need to escape every '<' of content_html as \u003C.
    private static readonly JsonSerializerOptions JsonFeedOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Rss(FeedContent content) => Write(new Rss20FeedFormatter(Syndication(content, RssType), serializeExtensionsAsAtom: true));

    public static byte[] Atom(FeedContent content) => Write(new Atom10FeedFormatter(Syndication(content, AtomType)));

    public static byte[] Json(FeedContent content)
    {
        var feed = new JsonFeed(
            "https://jsonfeed.org/version/1.1", content.Title, content.SiteLink, content.SelfUrl, content.Description, content.Language,
            [new JsonFeedAuthor(content.Publisher)],
            content.Articles.Select(a => new JsonFeedItem(
                ItemId(a), a.CanonicalUrl, a.Title, a.Summary, Html(a, content.FullContent), a.HeroImage?.Url,
                a.PublishedAt!.Value, a.UpdatedAt, a.Tags.Select(t => t.Name).ToList(),
                new JsonFeedExtension(ExtensionNamespace, a.AiGenerated, a.Disclosure, a.Sources, a.Corrections))).ToList());
        return JsonSerializer.SerializeToUtf8Bytes(feed, JsonFeedOptions);
    }

    private static SyndicationFeed Syndication(FeedContent content, string selfType)
    {
        var feed = new SyndicationFeed(content.Title, content.Description, new Uri(content.SiteLink), content.SelfUrl, content.Updated)
        {
            Language = content.Language,
            Generator = "HeadlessNews",
            Items = content.Articles.Select(a => Item(a, content.FullContent)).ToList(),
        };
        feed.Links.Add(SyndicationLink.CreateSelfLink(new Uri(content.SelfUrl), selfType.Split(';')[0]));
        feed.Authors.Add(new SyndicationPerson { Name = content.Publisher });
        feed.AttributeExtensions.Add(new XmlQualifiedName("hn", "http://www.w3.org/2000/xmlns/"), ExtensionNamespace);
        return feed;
    }

    private static SyndicationItem Item(Article a, bool fullContent)
    {
        var item = new SyndicationItem
        {
            Id = ItemId(a),
            Title = new TextSyndicationContent(a.Title),
            PublishDate = a.PublishedAt!.Value,
            LastUpdatedTime = a.UpdatedAt > a.PublishedAt.Value ? a.UpdatedAt : a.PublishedAt.Value,
            Summary = new TextSyndicationContent(Html(a, fullContent), TextSyndicationContentKind.Html),
        };
        // A canonical URL stored behind the API's back may not parse: the item then goes out without its link.
        if (Uri.TryCreate(a.CanonicalUrl, UriKind.Absolute, out var link))
            item.Links.Add(SyndicationLink.CreateAlternateLink(link));
        foreach (var tag in a.Tags)
            item.Categories.Add(new SyndicationCategory(tag.Name) { Label = tag.Name, Scheme = tag.Kind });
        item.ElementExtensions.Add(new XElement(Hn + "aiGenerated", a.AiGenerated ? "true" : "false"));
        if (a.Disclosure is not null)
            item.ElementExtensions.Add(new XElement(Hn + "disclosure", a.Disclosure));
        foreach (var note in a.Corrections)
            item.ElementExtensions.Add(new XElement(Hn + "correction", new XAttribute("kind", note.Kind),
                new XAttribute("createdAt", note.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)), note.Text));
        foreach (var source in a.Sources)
            item.ElementExtensions.Add(new XElement(Hn + "source", new XAttribute("url", source.Url),
                source.Publisher is null ? null : new XAttribute("publisher", source.Publisher), source.Title));
        return item;
    }

    // Stable across slug changes, unlike the canonical URL.
    private static string ItemId(Article a) => $"urn:uuid:{a.Id}";

    /// <summary>The item's HTML: the summary or the whole body, then the disclosure and its source links.</summary>
    private static string Html(Article a, bool fullContent)
    {
        var html = new StringBuilder(fullContent ? a.BodyHtml : $"<p>{WebUtility.HtmlEncode(a.Summary ?? "")}</p>");
        if (a.Corrections.Count > 0)
        {
            html.Append("<aside class=\"corrections\">");
            foreach (var note in a.Corrections)
                html.Append("<p><strong>").Append(note.Kind == "correction" ? "Correction" : "Update").Append(" (")
                    .Append(note.CreatedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)).Append("):</strong> ")
                    .Append(WebUtility.HtmlEncode(note.Text)).Append("</p>");
            html.Append("</aside>");
        }
        if (a.AiGenerated || a.Disclosure is not null)
        {
            html.Append("<aside class=\"ai-disclosure\">");
            if (a.Disclosure is not null)
                html.Append("<p>").Append(WebUtility.HtmlEncode(a.Disclosure)).Append("</p>");
            if (a.Sources.Count > 0)
            {
                html.Append("<ul>");
                foreach (var s in a.Sources)
                    html.Append("<li><a href=\"").Append(WebUtility.HtmlEncode(s.Url)).Append("\">").Append(WebUtility.HtmlEncode(s.Title)).Append("</a>")
                        .Append(s.Publisher is null ? "" : " (" + WebUtility.HtmlEncode(s.Publisher) + ")").Append("</li>");
                html.Append("</ul>");
            }
            html.Append("</aside>");
        }
        return html.ToString();
    }

    private static byte[] Write(SyndicationFeedFormatter formatter)
    {
        using var buffer = new MemoryStream();
        using (var writer = new CleanXmlWriter(XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false })))
            formatter.WriteTo(writer);
        return buffer.ToArray();
    }
}
