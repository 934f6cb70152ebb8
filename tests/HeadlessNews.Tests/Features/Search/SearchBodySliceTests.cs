using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// Articles that match only in the body are found newest first in slices of publish time: the newest 2,000 visible
/// articles as of SearchStatistics' last reading, then the rest. Paging must cross from one slice to the next without
/// losing or repeating an article, and a start that is out of date must not change the answers.
/// </summary>
public sealed class SearchBodySliceTests : ApiTestBase
{
    [Test]
    public async Task BodyMatchesArePagedNewestFirstAcrossTheNewestSlice()
    {
        // 2,400 published articles a minute apart, every seventh with the word in its body only; eleven around the
        // 2,000th newest share a publish time, so the slice's start falls on a tie (broken by id). Scheduled and draft
        // articles hold the word too.
        await SqlAsync<int>("""
            insert into articles (slug, title, summary, body_markdown, status, published_at)
            select 'note-' || i, 'Daily note ' || i, 'Nothing here.',
                   case when i % 7 = 0 then 'The old lantern was lit again.' else 'Quiet.' end,
                   case when i > 2400 then 'scheduled' else 'published' end,
                   case when i > 2400 then now() + interval '1 day' when i between 1995 and 2005 then now() - 1995 * interval '1 minute'
                        else now() - i * interval '1 minute' end
            from generate_series(1, 2410) i;
            insert into articles (slug, title, body_markdown, status) values ('note-draft', 'Draft note', 'A lantern.', 'draft');
            select 1
            """);
        var expected = await SqlAsync<string[]>("""
            select array_agg(slug order by published_at desc, id desc) from articles
            where status = 'published' and body_markdown like '%lantern%'
            """);
        Assert.That(expected, Has.Length.EqualTo(342));
        // The slice's start as the next minute's refresh would read it.
        var statistics = GlobalSetup.Factory.Services.GetRequiredService<SearchStatistics>();
        await statistics.RefreshAsync(ArticleListSql.SearchWindow, CancellationToken.None);
        Assert.That(statistics.Current(ArticleListSql.SearchWindow).NewestSliceStart, Is.Not.Null);

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

        // Newer matches published since the start was read make the first slice longer; nothing is lost.
        await SqlAsync<int>("""
            insert into articles (slug, title, body_markdown, status, published_at)
            select 'later-' || i, 'Later note ' || i, 'A lantern, later.', 'published', now() - i * interval '1 second'
            from generate_series(1, 30) i;
            select 1
            """);
        var later = (await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles?q=lantern&limit=40"))!;
        Assert.That(Slugs(later), Is.EqualTo(Enumerable.Range(1, 30).Select(i => $"later-{i}").Concat(expected.Take(10))));
    }
}
