using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Http;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// Articles that match only in the body are found newest first in three slices of publish time: the newest tier of the
/// copy of the newest articles' search vectors (migration 0052), the rest of the copy, each through its own index,
/// then the archive through the index of every article's vector (migration 0056). Paging must cross from one slice to
/// the next without losing or repeating an article; whatever is written after the horizons moved (new articles, edits,
/// a publish time moved, an article unpublished) must be found exactly as the articles themselves say, before and after
/// the next prune.
/// </summary>
public sealed class SearchBodySliceTests : ApiTestBase
{
    // The copy's tiers for this test: the newest 1,000 and the next 1,000 visible articles, of 2,400.
    private const int Newest = 1000, Kept = 2000;

    [Test]
    public async Task BodyMatchesArePagedNewestFirstAcrossTheHorizons()
    {
        // 2,400 published articles a minute apart, every seventh with the word in its body only; eleven around the
        // 1,000th newest share a publish time, and eleven around the 2,000th, so each horizon falls on a tie (broken by
        // id). Scheduled and draft articles hold the word too.
        await SqlAsync<int>("""
            insert into articles (slug, title, summary, body_markdown, status, published_at)
            select 'note-' || i, 'Daily note ' || i, 'Nothing here.',
                   case when i % 7 = 0 then 'The old lantern was lit again.' else 'Quiet.' end,
                   case when i > 2400 then 'scheduled' else 'published' end,
                   case when i > 2400 then now() + interval '1 day'
                        when i between @newest - 5 and @newest + 5 then now() - (@newest - 5) * interval '1 minute'
                        when i between @kept - 5 and @kept + 5 then now() - (@kept - 5) * interval '1 minute'
                        else now() - i * interval '1 minute' end
            from generate_series(1, 2410) i;
            insert into articles (slug, title, body_markdown, status) values ('note-draft', 'Draft note', 'A lantern.', 'draft');
            select 1
            """, new { newest = Newest, kept = Kept });
        var expected = await ExpectedAsync();
        Assert.That(expected, Has.Length.EqualTo(2400 / 7));

        // Before any prune the copy holds every article, all flagged newest (the horizons start at -infinity).
        await AssertPagesAsync(expected);
        await PruneAsync();
        Assert.That(await SqlAsync<long>("select count(*) from article_search_recent where newest"), Is.InRange(Newest - 6, Newest + 10),
            "about the newest 1,000 visible articles, and the scheduled ones, flagged newest");
        Assert.That(await SqlAsync<long>("select count(*) from article_search_recent"), Is.InRange(Kept - 6, Kept + 10), "about the newest 2,000 kept");
        await AssertPagesAsync(expected);

        // Written after the horizons moved: new matches, the oldest match brought to the front, one from each tier
        // unpublished, one whose body no longer holds the word; and two in the archive behind the copy, found only
        // through every article's vector (article_search_vectors): one whose body loses the word, one whose body gains it.
        const int oldest = 2400 / 7 * 7;
        await SqlAsync<int>("""
            insert into articles (slug, title, body_markdown, status, published_at)
            select 'later-' || i, 'Later note ' || i, 'A lantern, later.', 'published', now() - i * interval '1 second'
            from generate_series(1, 30) i;
            update articles set published_at = now() - interval '1 second' / 2 where slug = 'note-' || @oldest;
            update articles set status = 'draft' where slug in ('note-7', 'note-1400', 'note-2100');
            update articles set body_markdown = 'Dark.' where slug = 'note-14';
            update articles set body_markdown = 'Dark.' where slug = 'note-2373';
            update articles set body_markdown = 'A lantern, found late.' where slug = 'note-2390';
            select 1
            """, new { oldest });
        // Written behind the app's back: drop the answers it cached.
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        expected = await ExpectedAsync();
        Assert.That(expected.Take(32), Is.EqualTo(new[] { $"note-{oldest}" }.Concat(Enumerable.Range(1, 30).Select(i => $"later-{i}")).Append("note-21")));
        Assert.That(expected, Has.Length.EqualTo(2400 / 7 + 30 - 4));
        await AssertPagesAsync(expected);
        Assert.That(expected, Does.Contain("note-2390").And.Not.Contain("note-2373"));
        await PruneAsync();
        await AssertPagesAsync(expected);
        Assert.That(await SqlAsync<long>("""
            select count(*) from articles a left join article_search_vectors v on v.article_id = a.id
            where v.search_vector is distinct from article_search_vector(a.search_language, a.title, a.tag_names, a.summary, a.body_markdown)
               or v.public_from is distinct from case when a.status in ('published', 'scheduled') then a.published_at end
            """), Is.Zero, "every article's vector and public time as the article now stands");
    }

    private static Task<string[]> ExpectedAsync() => SqlAsync<string[]>("""
        select array_agg(slug order by published_at desc, id desc) from articles
        where status = 'published' and body_markdown like '%lantern%'
        """);

    private static async Task PruneAsync()
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        await RecentBodies.PruneAsync(connection, CancellationToken.None, Newest, Kept);
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
