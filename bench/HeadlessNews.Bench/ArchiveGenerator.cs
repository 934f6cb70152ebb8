using System.Diagnostics;
using System.Text;
using Npgsql;
using HeadlessNews.Api.Features.Articles;
using NpgsqlTypes;

namespace HeadlessNews.Bench;

/// <summary>
/// Bulk-loads a realistic archive with binary COPY: tags, articles with 2–8 KB Markdown bodies (and their
/// HTML, outline and reading figures), about five tags and four curated related links per article.
/// Deterministic (fixed seed), so runs are comparable. The words come from a <see cref="Vocabulary"/>: by default a
/// Zipf-distributed one of tens of thousands of words, as real news text has; "worst" keeps the old 90-word one, in
/// which every word is in nearly every article (the worst case for search and suggestions).
/// </summary>
internal static class ArchiveGenerator
{
    private static readonly string[] Kinds = ["topic", "place", "person", "organisation"];

    public static async Task<int> RunAsync(string connectionString, int count, string vocabulary = "zipf")
    {
        var words = Vocabulary.Named(vocabulary);
        var clock = Stopwatch.StartNew();
        var random = new Random(20261128);
        // No timeouts: on a busy machine PostgreSQL may take longer than the default 30 s to take the next COPY buffer.
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0, Timeout = 60 });
        await using var connection = await dataSource.OpenConnectionAsync();
        // Cascade: whatever newer tables hold about articles (text neighbours, notes, the change feed) goes with them.
        await using (var truncate = new NpgsqlCommand("truncate related_links, article_tags, articles, tags, suggestion_terms cascade", connection))
            await truncate.ExecuteNonQueryAsync();

        Console.WriteLine($"emptied at {clock.Elapsed.TotalSeconds:0.0} s");
        var tagIds = new Guid[1000];
        var tagNames = new string[tagIds.Length];
        await using (var tags = await connection.BeginBinaryImportAsync("copy tags (id, slug, name, kind) from stdin (format binary)"))
        {
            for (var i = 0; i < tagIds.Length; i++)
            {
                tagIds[i] = Guid.NewGuid();
                await tags.StartRowAsync();
                await tags.WriteAsync(tagIds[i], NpgsqlDbType.Uuid);
                await tags.WriteAsync($"tag-{i:0000}", NpgsqlDbType.Text);
                tagNames[i] = $"{Title(words, random, 2)} {i}";
                await tags.WriteAsync(tagNames[i], NpgsqlDbType.Text);
                await tags.WriteAsync(Kinds[i % Kinds.Length], NpgsqlDbType.Text);
            }
            await tags.CompleteAsync();
        }

        var articleIds = new Guid[count];
        var tagsOf = new int[count][];
        for (var i = 0; i < count; i++)
        {
            articleIds[i] = Guid.NewGuid();
            // Popular tags are much more common than rare ones, as in a real newsroom.
            var chosen = new HashSet<int>();
            var wanted = random.Next(3, 8);
            while (chosen.Count < wanted)
                chosen.Add((int)(Math.Pow(random.NextDouble(), 2) * tagIds.Length));
            tagsOf[i] = [.. chosen];
        }
        // The articles go in over two connections at once: PostgreSQL spends most of the load building
        // search vectors, and two streams keep both cores busy.
        var now = DateTime.UtcNow;
        // Search copies only the newest articles' vectors (migration 0052): set its horizon before the copy, or every
        // article would be copied there and pruned when the API starts.
        await using (var horizon = new NpgsqlCommand(
            "update article_search_recent_horizon set newest_after = coalesce($1, '-infinity'), kept_after = coalesce($2, '-infinity')", connection))
        {
            object At(int nth) => count >= nth ? PublishedAt(now, nth - 1) : DBNull.Value;
            horizon.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = At(RecentBodies.Newest) });
            horizon.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = At(RecentBodies.Kept) });
            await horizon.ExecuteNonQueryAsync();
        }
        var loaded = clock.Elapsed;
        var workers = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));
        var bodyBytes = (await Task.WhenAll(Enumerable.Range(0, workers).Select(w =>
            CopyArticlesAsync(dataSource, words, articleIds, tagsOf, tagNames, w * count / workers, (w + 1) * count / workers, now, 1000 + w)))).Sum();
        Console.WriteLine($"articles copied in {(clock.Elapsed - loaded).TotalSeconds:0.0} s");

        // The generator made every id and publish time itself, so the per-row foreign-key checks and the
        // trigger that copies publish times onto tag links can be skipped (needs a superuser, as the local
        // benchmark cluster's user is).
        await using (var replica = new NpgsqlCommand("set session_replication_role = replica", connection))
            await replica.ExecuteNonQueryAsync();
        await using (var links = await connection.BeginBinaryImportAsync("copy article_tags (article_id, tag_id, position, published_at) from stdin (format binary)"))
        {
            for (var i = 0; i < count; i++)
            {
                var position = 1;
                foreach (var tag in tagsOf[i])
                {
                    await links.StartRowAsync();
                    await links.WriteAsync(articleIds[i], NpgsqlDbType.Uuid);
                    await links.WriteAsync(tagIds[tag], NpgsqlDbType.Uuid);
                    await links.WriteAsync(position++, NpgsqlDbType.Integer);
                    await links.WriteAsync(PublishedAt(now, i), NpgsqlDbType.TimestampTz);
                }
            }
            await links.CompleteAsync();
        }

        await using (var related = await connection.BeginBinaryImportAsync("copy related_links (article_id, related_id, position) from stdin (format binary)"))
        {
            for (var i = 0; i < count; i++)
            {
                var chosen = new HashSet<int>();
                while (chosen.Count < Math.Min(4, count - 1))
                {
                    var other = random.Next(count);
                    if (other != i)
                        chosen.Add(other);
                }
                var position = 1;
                foreach (var other in chosen)
                {
                    await related.StartRowAsync();
                    await related.WriteAsync(articleIds[i], NpgsqlDbType.Uuid);
                    await related.WriteAsync(articleIds[other], NpgsqlDbType.Uuid);
                    await related.WriteAsync(position++, NpgsqlDbType.Integer);
                }
            }
            await related.CompleteAsync();
        }

        Console.WriteLine($"tags and links copied at {clock.Elapsed.TotalSeconds:0.0} s");
        // The API's write path keeps the search-as-you-type words in step; COPY went round it, so the same SQL fills them.
        await using (var suggestions = new NpgsqlCommand("select suggestions_refresh(array(select id from articles))", connection) { CommandTimeout = 0 })
            await suggestions.ExecuteNonQueryAsync();
        Console.WriteLine($"suggestion words at {clock.Elapsed.TotalSeconds:0.0} s");
        await using (var analyze = new NpgsqlCommand("analyze", connection))
            await analyze.ExecuteNonQueryAsync();
        // bench/run.sh reuses an archive only when it is the one asked for.
        await using (var sign = new NpgsqlCommand($"comment on table articles is 'generated: {count} articles, {vocabulary} vocabulary'", connection))
            await sign.ExecuteNonQueryAsync();
        Console.WriteLine($"generated {count} articles ({bodyBytes / 1024 / 1024} MB of Markdown, {vocabulary} vocabulary of {words.Count} words), 1000 tags in {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    // One article a minute, newest first; every seventh shares its neighbour's time, to exercise the id tie-break.
    private static DateTime PublishedAt(DateTime now, int i) => now.AddMinutes(-(i % 7 == 6 ? i - 1 : i));

    private static async Task<long> CopyArticlesAsync(
        NpgsqlDataSource dataSource, Vocabulary words, Guid[] articleIds, int[][] tagsOf, string[] tagNames, int from, int to, DateTime now, int seed)
    {
        var random = new Random(seed);
        long bodyBytes = 0;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var articles = await connection.BeginBinaryImportAsync(
            "copy articles (id, slug, title, summary, body_markdown, body_html, outline, status, published_at, created_at, updated_at, " +
            "sources, ai_generated, hero_image, word_count, reading_time_minutes, tag_names) from stdin (format binary)");
        for (var i = from; i < to; i++)
        {
            var (markdown, html, outline, wordCount) = Body(words, random);
            bodyBytes += markdown.Length;
            var publishedAt = PublishedAt(now, i);
            await articles.StartRowAsync();
            await articles.WriteAsync(articleIds[i], NpgsqlDbType.Uuid);
            await articles.WriteAsync($"bench-{i:000000}", NpgsqlDbType.Text);
            await articles.WriteAsync(Title(words, random, 8), NpgsqlDbType.Text);
            await articles.WriteAsync(Sentence(words, random, 25), NpgsqlDbType.Text);
            await articles.WriteAsync(markdown, NpgsqlDbType.Text);
            await articles.WriteAsync(html, NpgsqlDbType.Text);
            await articles.WriteAsync(outline, NpgsqlDbType.Jsonb);
            await articles.WriteAsync("published", NpgsqlDbType.Text);
            await articles.WriteAsync(publishedAt, NpgsqlDbType.TimestampTz);
            await articles.WriteAsync(publishedAt, NpgsqlDbType.TimestampTz);
            await articles.WriteAsync(publishedAt, NpgsqlDbType.TimestampTz);
            await articles.WriteAsync($$"""[{"title":"Wire report {{i}}","url":"https://wire.example.org/{{i}}","publisher":"Example Wire"}]""", NpgsqlDbType.Jsonb);
            await articles.WriteAsync(false, NpgsqlDbType.Boolean);
            await articles.WriteAsync($$"""{"url":"https://images.example.org/{{i}}.jpg","alt":"Photo {{i}}","credit":"Desk"}""", NpgsqlDbType.Jsonb);
            await articles.WriteAsync(wordCount, NpgsqlDbType.Integer);
            await articles.WriteAsync((wordCount + 224) / 225, NpgsqlDbType.Integer);
            await articles.WriteAsync(string.Join(' ', tagsOf[i].Select(t => tagNames[t])), NpgsqlDbType.Text);
        }
        await articles.CompleteAsync();
        return bodyBytes;
    }

    private static (string Markdown, string Html, string Outline, int Words) Body(Vocabulary vocabulary, Random random)
    {
        var target = random.Next(2048, 8192);
        var markdown = new StringBuilder(target + 200);
        var html = new StringBuilder(target + 400);
        var outline = new StringBuilder("[");
        var words = 0;
        var section = 0;
        while (markdown.Length < target)
        {
            if (markdown.Length == 0 || random.Next(5) == 0)
            {
                var heading = Title(vocabulary, random, 4);
                var anchor = heading.ToLowerInvariant().Replace(' ', '-') + "-" + ++section;
                markdown.Append("## ").Append(heading).Append("\n\n");
                html.Append("<h2 id=\"").Append(anchor).Append("\">").Append(heading).Append("</h2>\n");
                if (outline.Length > 1)
                    outline.Append(',');
                outline.Append("{\"level\":2,\"text\":\"").Append(heading).Append("\",\"anchor\":\"").Append(anchor).Append("\"}");
                words += 4;
            }
            var paragraph = Sentence(vocabulary, random, 60);
            markdown.Append(paragraph).Append("\n\n");
            html.Append("<p>").Append(paragraph).Append("</p>\n");
            words += 60;
        }
        return (markdown.ToString(), html.ToString(), outline.Append(']').ToString(), words);
    }

    private static string Title(Vocabulary vocabulary, Random random, int words) => Sentence(vocabulary, random, words).TrimEnd('.');

    private static string Sentence(Vocabulary vocabulary, Random random, int words)
    {
        var text = new StringBuilder();
        for (var w = 0; w < words; w++)
        {
            var word = vocabulary.Next(random);
            text.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word).Append(w + 1 < words ? ' ' : '.');
        }
        return text.ToString();
    }
}
