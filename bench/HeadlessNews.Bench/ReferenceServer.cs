using System.Text.Json;
using Npgsql;

namespace HeadlessNews.Bench;

/// <summary>
/// The bare reference for the article-detail read: a minimal endpoint, raw Npgsql, one SQL statement,
/// JSON written by hand with Utf8JsonWriter, its statement prepared. No validation, caching, auth or problem details.
/// </summary>
internal static class ReferenceServer
{
    private const string Sql = """
        select a.id, a.slug, a.title, a.summary, a.body_markdown, a.body_html, a.outline::text, a.published_at,
               a.created_at, a.updated_at, a.sources::text, a.ai_generated, a.disclosure, a.hero_image::text,
               a.canonical_url, a.word_count, a.reading_time_minutes, a.version,
               (select json_agg(json_build_object('slug', t.slug, 'name', t.name, 'kind', t.kind) order by at.position)
                  from article_tags at join tags t on t.id = at.tag_id where at.article_id = a.id)::text,
               (select json_agg(json_build_object('id', r.id, 'slug', r.slug, 'title', r.title, 'summary', r.summary,
                       'publishedAt', r.published_at, 'heroImage', r.hero_image, 'kind', 'curated') order by l.position)
                  from related_links l join articles r on r.id = l.related_id
                  where l.article_id = a.id and r.status in ('published', 'scheduled') and r.published_at <= now())::text
        from articles a
        where a.slug = $1 and a.status in ('published', 'scheduled') and a.published_at <= now()
        """;

    public static async Task<int> RunAsync(string connectionString, string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        // Prepared, like any well-tuned Npgsql service: the baseline should not lose on planning alone.
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 16 });

        app.MapGet("/ref/articles/{slug}", async (string slug, HttpContext http) =>
        {
            await using var command = dataSource.CreateCommand(Sql);
            command.Parameters.AddWithValue(slug);
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow);
            if (!await reader.ReadAsync())
            {
                http.Response.StatusCode = 404;
                return;
            }
            http.Response.ContentType = "application/json; charset=utf-8";
            await using var json = new Utf8JsonWriter(http.Response.BodyWriter.AsStream());
            json.WriteStartObject();
            json.WriteString("id", reader.GetGuid(0));
            json.WriteString("slug", reader.GetString(1));
            json.WriteString("title", reader.GetString(2));
            WriteNullable(json, "summary", reader, 3);
            json.WriteString("bodyMarkdown", reader.GetString(4));
            json.WriteString("bodyHtml", reader.GetString(5));
            json.WritePropertyName("outline");
            json.WriteRawValue(reader.GetString(6));
            json.WriteString("status", "published");
            json.WriteString("publishedAt", reader.GetDateTime(7));
            json.WriteString("createdAt", reader.GetDateTime(8));
            json.WriteString("updatedAt", reader.GetDateTime(9));
            json.WritePropertyName("sources");
            json.WriteRawValue(reader.GetString(10));
            json.WriteBoolean("aiGenerated", reader.GetBoolean(11));
            WriteNullable(json, "disclosure", reader, 12);
            json.WritePropertyName("heroImage");
            json.WriteRawValue(reader.IsDBNull(13) ? "null" : reader.GetString(13));
            WriteNullable(json, "canonicalUrl", reader, 14);
            json.WriteNumber("wordCount", reader.GetInt32(15));
            json.WriteNumber("readingTimeMinutes", reader.GetInt32(16));
            json.WriteNumber("version", reader.GetInt32(17));
            json.WritePropertyName("tags");
            json.WriteRawValue(reader.IsDBNull(18) ? "[]" : reader.GetString(18));
            json.WritePropertyName("related");
            json.WriteRawValue(reader.IsDBNull(19) ? "[]" : reader.GetString(19));
            json.WriteEndObject();
        });
        await app.RunAsync();
        return 0;
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
            json.WriteNull(name);
        else
            json.WriteString(name, reader.GetString(ordinal));
    }
}
