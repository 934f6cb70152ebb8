using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Dapper;
using HeadlessNews.Tests.Infrastructure;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// The words of an article's text as stored for snippets (migration 0053): put together they are the text again, and
/// each word's lexeme is the one PostgreSQL's own ts_debug gives it. The stored words follow the article's edits.
/// </summary>
public sealed class SnippetWordsTests : ApiTestBase
{
    private static readonly Gen<string> Piece = Gen.OneOf<string>(
        "harbour", "Storms", "ferries", "the", "a", "of", "well-known", "co-op's", "state-of-the-art", "2026-11-30", "3.5%",
        "https://example.org/a-b?x=1", "ed@example.org", "<b>", "</b>", "&amp;", "&", "**", "#", "## ", "\n\n", " ", "  ",
        ", ", ".", "—", "'", "\"", "Über-cool", "naïve", "café", "日本語", "😀", "x1y2", "-5", "+7", "/path/to", "v1.2.3");

    // Now and then a word too long for to_tsvector (2047 bytes or more), which takes no position in the vector.
    private static readonly Gen<string> Text = Gen.Frequency(
        (9, Piece.Array[0, 30].Select(parts => string.Concat(parts))),
        (1, Gen.Select(Piece.Array[0, 8], Gen.Int[2040, 2050], Gen.OneOf<string>("x", "中", "é"), Piece.Array[0, 8],
            (before, bytes, letter, after) => string.Concat(before) + " " +
                new string(letter[0], bytes / System.Text.Encoding.UTF8.GetByteCount(letter)) + " " + string.Concat(after))));

    [Test]
    public async Task StoredWordsAreTheTextAgainWithPostgresLexemes()
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        await Text.SampleAsync(async text =>
        {
            var mine = await connection.QuerySingleAsync<(string[] Tokens, string?[] Lexemes)>(
                "select tokens, lexemes from snippet_words('english', @text)", new { text });
            var theirs = (await connection.QueryAsync<(string Alias, string Token, string[]? Lexemes)>(
                "select alias, token, lexemes from ts_debug('english', @text)", new { text }))
                .Where(t => t.Alias is not ("asciihword" or "hword" or "numhword" or "url")).ToList();
            return string.Concat(mine.Tokens) == text
                   && mine.Tokens.SequenceEqual(theirs.Select(t => t.Token))
                   && mine.Lexemes.SequenceEqual(theirs.Select(t =>
                       // ts_debug stems a word to_tsvector leaves out for its length; here it is no word.
                       t.Lexemes is null || System.Text.Encoding.UTF8.GetByteCount(t.Token) >= 2047 ? null : t.Lexemes.FirstOrDefault() ?? ""));
        }, iter: 300, threads: 1);
    }

    [Test]
    public async Task SnippetsFollowTheArticlesEdits()
    {
        var (id, version) = await CreateArticleAsync("harbour-news", extra: new { summary = "The harbour reopened.", bodyMarkdown = "Ferries sailed at dawn." });
        await PublishAsync(id, version, DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.That(await SnippetAsync("harbour"), Is.EqualTo("The <mark>harbour</mark> reopened. Ferries sailed at dawn."));

        // Whoever writes: here plain SQL, behind the app's back (so its cached answers are dropped).
        await SqlAsync<int>("update articles set summary = 'The quay reopened.' where id = @id; select 1", new { id });
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        Assert.That(await SnippetAsync("quay"), Is.EqualTo("The <mark>quay</mark> reopened. Ferries sailed at dawn."));

        await SqlAsync<int>("update articles set status = 'draft' where id = @id; select 1", new { id });
        Assert.That(await SqlAsync<long>("select count(*) from article_snippet_words"), Is.Zero, "a draft has no stored words");
    }

    private async Task<string?> SnippetAsync(string q)
    {
        var hits = (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/articles?q={q}"))!;
        return hits["items"]!.AsArray().Single()!["snippet"]?.GetValue<string>();
    }
}
