using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.ObjectPool;
using Npgsql;

namespace HeadlessNews.Bench;

/// <summary>
/// Bare references for the delivery reads: minimal endpoints, raw Npgsql, no validation, caching, auth or problem
/// details. The API is measured against the strongest of them.
/// <list type="bullet">
/// <item><c>/ref/articles/{slug}</c>: one statement, the JSON of tags and cards built by PostgreSQL (the old reference).</item>
/// <item><c>/ref/batch/articles/{slug}</c>: the article, its tags and its curated cards as one NpgsqlBatch of three
/// plain prepared statements, JSON written with Utf8JsonWriter into a pooled buffer, sent with Content-Length.</item>
/// <item><c>/ref/batch/articles?tag=</c>: the first page (20) of the newest visible articles, of one tag or of all,
/// walked by keyset, with the cards' tags, the same way.</item>
/// </list>
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

    private const string Visible = "status in ('published', 'scheduled') and published_at <= now()";

    private const string ArticleSql = $"""
        select id, slug, title, summary, body_markdown, body_html, outline::text, published_at, created_at, updated_at,
               sources::text, ai_generated, disclosure, hero_image::text, canonical_url, word_count, reading_time_minutes, version
        from articles where slug = $1 and {Visible}
        """;

    private const string TagsSql = """
        select t.slug, t.name, t.kind
        from articles a join article_tags at on at.article_id = a.id join tags t on t.id = at.tag_id
        where a.slug = $1 and a.status in ('published', 'scheduled') and a.published_at <= now()
        order by at.position
        """;

    private const string CardsSql = """
        select r.id, r.slug, r.title, r.summary, r.published_at, r.hero_image::text
        from articles a join related_links l on l.article_id = a.id join articles r on r.id = l.related_id
        where a.slug = $1 and a.status in ('published', 'scheduled') and a.published_at <= now()
          and r.status in ('published', 'scheduled') and r.published_at <= now()
        order by l.position
        limit 4
        """;

    // The page's ids: the tag's links walked newest first through article_tags_newest, or the newest articles.
    private const string TagPage = """
        select l.article_id as id, l.published_at from article_tags l
        where l.tag_id = (select id from tags where slug = $1) and l.published_at <= now()
        order by l.published_at desc, l.article_id desc limit 21
        """;

    private const string NewestPage = $"select id, published_at from articles where {Visible} order by published_at desc, id desc limit 21";

    // The page's cards with their tags as three arrays each, in one statement: no second statement repeating the walk.
    // Each tag is looked up by its key (offset 0 keeps the lookup a subquery): joined, the generic plan hashed the
    // whole tags table for every card (4 ms a page against 0.9).
    private static string ListSql(string page) => $"""
        select a.id, a.slug, a.title, a.summary, a.published_at, a.created_at, a.updated_at, a.hero_image::text, a.ai_generated,
               a.reading_time_minutes, a.canonical_url, tg.slugs, tg.names, tg.kinds
        from ({page}) p join articles a on a.id = p.id
        cross join lateral (
            select array_agg(t.slug order by at.position) as slugs, array_agg(t.name order by at.position) as names,
                   array_agg(t.kind order by at.position) as kinds
            from article_tags at
            cross join lateral (select slug, name, kind from tags where tags.id = at.tag_id offset 0) t
            where at.article_id = a.id) tg
        order by p.published_at desc, p.id desc
        """;

    // The same page as a batch of two statements, the second walking the page again for its cards' tags (the first
    // list reference; kept to compare).
    private static string ListCardsSql(string page) => $"""
        select a.id, a.slug, a.title, a.summary, a.published_at, a.created_at, a.updated_at, a.hero_image::text, a.ai_generated,
               a.reading_time_minutes, a.canonical_url
        from ({page}) p join articles a on a.id = p.id
        order by p.published_at desc, p.id desc
        """;

    private static string ListTagsSql(string page) => $"""
        select at.article_id, t.slug, t.name, t.kind
        from article_tags at join tags t on t.id = at.tag_id
        where at.article_id in (select id from ({page}) p)
        order by at.article_id, at.position
        """;

    private static readonly ObjectPool<ArrayBufferWriter<byte>> Buffers =
        new DefaultObjectPool<ArrayBufferWriter<byte>>(new BufferPolicy(), 64);

    public static async Task<int> RunAsync(string connectionString, string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        // Prepared, like any well-tuned Npgsql service: the baseline should not lose on planning alone; and with the API
        // delivery pool's own settings (generic plans, no JIT, no session reset when a connection goes back to the pool).
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 16 };
        HeadlessNews.Api.Infrastructure.Database.DeliveryDataSource.Configure(settings);
        await using var dataSource = NpgsqlDataSource.Create(settings);

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
            WriteArticle(json, reader);
            json.WritePropertyName("tags");
            json.WriteRawValue(reader.IsDBNull(18) ? "[]" : reader.GetString(18));
            json.WritePropertyName("related");
            json.WriteRawValue(reader.IsDBNull(19) ? "[]" : reader.GetString(19));
            json.WriteEndObject();
        });

        app.MapGet("/ref/batch/articles/{slug}", async (string slug, HttpContext http) =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands = { Command(ArticleSql, slug), Command(TagsSql, slug), Command(CardsSql, slug) },
            };
            var buffer = Buffers.Get();
            try
            {
                await using (var reader = await batch.ExecuteReaderAsync())
                {
                    if (!await reader.ReadAsync())
                    {
                        http.Response.StatusCode = 404;
                        return;
                    }
                    using var json = new Utf8JsonWriter(buffer);
                    json.WriteStartObject();
                    WriteArticle(json, reader);
                    await reader.NextResultAsync();
                    json.WriteStartArray("tags");
                    while (await reader.ReadAsync())
                    {
                        json.WriteStartObject();
                        json.WriteString("slug", reader.GetString(0));
                        json.WriteString("name", reader.GetString(1));
                        json.WriteString("kind", reader.GetString(2));
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    await reader.NextResultAsync();
                    json.WriteStartArray("related");
                    while (await reader.ReadAsync())
                    {
                        json.WriteStartObject();
                        json.WriteString("id", reader.GetGuid(0));
                        json.WriteString("slug", reader.GetString(1));
                        json.WriteString("title", reader.GetString(2));
                        WriteNullable(json, "summary", reader, 3);
                        json.WriteString("publishedAt", reader.GetDateTime(4));
                        json.WritePropertyName("heroImage");
                        json.WriteRawValue(reader.IsDBNull(5) ? "null" : reader.GetString(5));
                        json.WriteString("kind", "curated");
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                await SendAsync(http, buffer);
            }
            finally
            {
                Buffers.Return(buffer);
            }
        });

        app.MapGet("/ref/batch/articles", async (string? tag, HttpContext http) =>
        {
            await using var command = dataSource.CreateCommand(ListSql(tag is null ? NewestPage : TagPage));
            if (tag is not null)
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
            var rows = new List<object[]>(21);
            var tagsOf = new Dictionary<Guid, List<(string Slug, string Name, string Kind)>>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    // The card's eleven columns; the tags' three arrays follow.
                    var row = new object[11];
                    reader.GetValues(row);
                    rows.Add(row);
                    if (!reader.IsDBNull(11))
                    {
                        var (slugs, names, kinds) = (reader.GetFieldValue<string[]>(11), reader.GetFieldValue<string[]>(12), reader.GetFieldValue<string[]>(13));
                        tagsOf[(Guid)row[0]] = slugs.Select((slug, i) => (slug, names[i], kinds[i])).ToList();
                    }
                }
            }
            await WritePageAsync(http, rows, tagsOf);
        });

        app.MapGet("/ref/two/articles", async (string? tag, HttpContext http) =>
        {
            var page = tag is null ? NewestPage : TagPage;
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection);
            var cards = new NpgsqlBatchCommand(ListCardsSql(page));
            var tags = new NpgsqlBatchCommand(ListTagsSql(page));
            if (tag is not null)
            {
                cards.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
                tags.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
            }
            batch.BatchCommands.Add(cards);
            batch.BatchCommands.Add(tags);
            var rows = new List<object[]>(21);
            var tagsOf = new Dictionary<Guid, List<(string Slug, string Name, string Kind)>>();
            await using (var reader = await batch.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var row = new object[reader.FieldCount];
                    reader.GetValues(row);
                    rows.Add(row);
                }
                await reader.NextResultAsync();
                while (await reader.ReadAsync())
                {
                    var id = reader.GetGuid(0);
                    if (!tagsOf.TryGetValue(id, out var list))
                        tagsOf[id] = list = [];
                    list.Add((reader.GetString(1), reader.GetString(2), reader.GetString(3)));
                }
            }
            await WritePageAsync(http, rows, tagsOf);
        });
        await app.RunAsync();
        return 0;
    }

    private static async Task WritePageAsync(HttpContext http, List<object[]> rows, Dictionary<Guid, List<(string Slug, string Name, string Kind)>> tagsOf)
    {
        var buffer = Buffers.Get();
        try
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("items");
                foreach (var row in rows.Take(20))
                {
                    var id = (Guid)row[0];
                    json.WriteStartObject();
                    json.WriteString("id", id);
                    json.WriteString("slug", (string)row[1]);
                    json.WriteString("title", (string)row[2]);
                    if (row[3] is string summary) json.WriteString("summary", summary); else json.WriteNull("summary");
                    json.WriteString("publishedAt", (DateTime)row[4]);
                    json.WriteString("createdAt", (DateTime)row[5]);
                    json.WriteString("updatedAt", (DateTime)row[6]);
                    json.WriteString("status", "published");
                    json.WriteStartArray("tags");
                    foreach (var t in tagsOf.GetValueOrDefault(id) ?? [])
                    {
                        json.WriteStartObject();
                        json.WriteString("slug", t.Slug);
                        json.WriteString("name", t.Name);
                        json.WriteString("kind", t.Kind);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WritePropertyName("heroImage");
                    json.WriteRawValue(row[7] as string ?? "null");
                    json.WriteBoolean("aiGenerated", (bool)row[8]);
                    json.WriteNumber("readingTimeMinutes", (int)row[9]);
                    json.WriteString("canonicalUrl", row[10] as string ?? $"https://news.example.org/articles/{row[1]}");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                if (rows.Count > 20)
                    json.WriteString("nextCursor", $"{((DateTime)rows[19][4]).Ticks}.{rows[19][0]}");
                else
                    json.WriteNull("nextCursor");
                json.WriteEndObject();
            }
            await SendAsync(http, buffer);
        }
        finally
        {
            Buffers.Return(buffer);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, string slug) =>
        new(sql) { Parameters = { new NpgsqlParameter<string> { TypedValue = slug } } };

    private static Task SendAsync(HttpContext http, ArrayBufferWriter<byte> buffer)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = buffer.WrittenCount;
        return http.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    private static void WriteArticle(Utf8JsonWriter json, NpgsqlDataReader reader)
    {
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
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
            json.WriteNull(name);
        else
            json.WriteString(name, reader.GetString(ordinal));
    }

    private sealed class BufferPolicy : PooledObjectPolicy<ArrayBufferWriter<byte>>
    {
        public override ArrayBufferWriter<byte> Create() => new(16 * 1024);

        public override bool Return(ArrayBufferWriter<byte> buffer)
        {
            buffer.ResetWrittenCount();
            return true;
        }
    }
}
