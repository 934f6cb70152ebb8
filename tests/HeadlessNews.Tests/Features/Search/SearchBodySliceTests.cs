using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Tests.Infrastructure;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// Articles that match only in the body are found newest first in two slices of publish time: after the horizon of
/// the copy of the newest articles' search vectors (migration 0052), through the copy's own index, then the rest
/// through the index on every article. Paging must cross from one slice to the next without losing or repeating an
/// article; whatever is written after the horizon moved (new articles, edits, a publish time moved) must be found
/// exactly as the articles themselves say, before and after the next prune.
/// </summary>
public sealed class SearchBodySliceTests : ApiTestBase
{
    [Test]
    public async Task BodyMatchesArePagedNewestFirstAcrossTheHorizon()
    {
        // RecentBodies.Keep + 400 published articles a minute apart, every seventh with the word in its body only;
        // eleven around the Keep-th newest share a publish time, so the horizon falls on a tie (broken by id).
        // Scheduled and draft articles hold the word too.
        const int keep = RecentBodies.Keep;
        await SqlAsync<int>("""
            insert into articles (slug, title, summary, body_markdown, status, published_at)
            select 'note-' || i, 'Daily note ' || i, 'Nothing here.',
                   case when i % 7 = 0 then 'The old lantern was lit again.' else 'Quiet.' end,
                   case when i > @keep + 400 then 'scheduled' else 'published' end,
                   case when i > @keep + 400 then now() + interval '1 day'
                        when i between @keep - 5 and @keep + 5 then now() - (@keep - 5) * interval '1 minute'
                        else now() - i * interval '1 minute' end
            from generate_series(1, @keep + 410) i;
            insert into articles (slug, title, body_markdown, status) values ('note-draft', 'Draft note', 'A lantern.', 'draft');
            select 1
            """, new { keep });
        var expected = await ExpectedAsync();
        Assert.That(expected, Has.Length.EqualTo((keep + 400) / 7));

        // Before any prune the copy holds every article (the horizon starts at -infinity); after it, the newest.
        await AssertPagesAsync(expected);
        Assert.That(await PruneAsync(), Is.GreaterThan(300), "the prune dropped the older rows of the copy");
        var copied = await SqlAsync<long>("select count(*) from article_search_recent");
        Assert.That(copied, Is.InRange(keep - 6, keep + 10), "about the newest Keep visible articles, and the scheduled ones");
        await AssertPagesAsync(expected);

        // The oldest match, far older than the horizon.
        const int oldest = (keep + 400) / 7 * 7;
        // Written after the horizon moved: new matches, an old article brought to the front, a recent one unpublished,
        // and a recent one whose body no longer holds the word.
        await SqlAsync<int>("""
            insert into articles (slug, title, body_markdown, status, published_at)
            select 'later-' || i, 'Later note ' || i, 'A lantern, later.', 'published', now() - i * interval '1 second'
            from generate_series(1, 30) i;
            update articles set published_at = now() - interval '1 second' / 2 where slug = 'note-' || @oldest;
            update articles set status = 'draft' where slug = 'note-7';
            update articles set body_markdown = 'Dark.' where slug = 'note-14';
            select 1
            """, new { oldest });
        // Written behind the app's back: drop the answers it cached.
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        expected = await ExpectedAsync();
        Assert.That(expected.Take(32), Is.EqualTo(new[] { $"note-{oldest}" }.Concat(Enumerable.Range(1, 30).Select(i => $"later-{i}")).Append("note-21")));
        await AssertPagesAsync(expected);
        await PruneAsync();
        await AssertPagesAsync(expected);
    }

    private static Task<string[]> ExpectedAsync() => SqlAsync<string[]>("""
        select array_agg(slug order by published_at desc, id desc) from articles
        where status = 'published' and body_markdown like '%lantern%'
        """);

    private static async Task<int> PruneAsync()
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        return await RecentBodies.PruneAsync(connection, null, CancellationToken.None);
    }

    private async Task AssertPagesAsync(string[] expected)
    {
        foreach (var limit in (int[])[100, 21])
        {
            var seen = new List<string>();
            string? cursor = null;
            do
            {
                var page = (await Anonymous.GetFromJsonAsync<JsonNode>(
                    $"/api/v1/articles?q=lantern&limit={limit}{(cursor is null ? "" : "&cursor=" + cursor)}"))!;
                seen.AddRange(Slugs(page));
                cursor = page["nextCursor"]?.GetValue<string>();
            }
            while (cursor is not null);
            Assert.That(seen, Is.EqualTo(expected), $"limit {limit}");
        }
    }
}
