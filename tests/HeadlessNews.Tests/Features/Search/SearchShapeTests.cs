using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// Search finds its head matches by walking the newest heads when PostgreSQL's statistics say the words are in most of
/// them, and through the full-text index otherwise (CommonHeadWords). The two must give the same answers.
/// </summary>
public sealed class SearchShapeTests : ApiTestBase
{
    private static readonly string[] Queries =
    [
        "harbour", "report", "harbour crane", "Harbour report", "\"harbour report\"", "harbour -crane", "report or crane", "crane harbour -storm",
    ];

    [Test]
    public async Task WalkingTheNewestHeadsAndReadingTheIndexFindTheSameArticles()
    {
        // 420 published heads hold "harbour", nine in ten "report" (common enough to walk for, alone or together), a third
        // "crane" (not); some bodies hold "storm". The standfirst repeats words so that ranks differ. Scheduled and draft
        // articles hold them too and must never be found.
        await SqlAsync<int>("""
            insert into articles (slug, title, summary, body_markdown, status, published_at)
            select 'harbour-' || i,
                   case when i = 7 then 'Harbour report' when i % 10 = 0 then 'Harbour news ' || i
                        when i % 3 = 0 then 'Harbour report on the crane ' || i else 'Harbour report ' || i end,
                   case when i % 10 = 0 then 'A quiet day.' when i % 5 = 0 then 'The harbour, the harbour again and a report.'
                        else 'A short report.' end,
                   case when i % 4 = 0 then 'A storm came in. ' else 'Calm. ' end || 'Number ' || i,
                   case when i > 420 then 'scheduled' else 'published' end,
                   case when i > 420 then now() + interval '1 day' else now() - i * interval '1 minute' end
            from generate_series(1, 440) i;
            insert into articles (slug, title, status) values ('harbour-draft', 'Harbour report draft', 'draft');
            select 1
            """);
        await SqlAsync<int>("analyze article_search_heads; select 1");
        var words = GlobalSetup.Factory.Services.GetRequiredService<CommonHeadWords>();

        await words.RefreshAsync(ArticleListSql.SearchWindow, CancellationToken.None);
        Assert.That(words.Current(ArticleListSql.SearchWindow).Lexemes, Is.SupersetOf(new[] { "harbour", "report" }), "the statistics say these words are common");
        var walkedBefore = await IndexScansAsync(_ => true);
        var walked = await AnswersAsync();
        var walkedAfter = await IndexScansAsync(s => s.Newest > walkedBefore.Newest);

        // No word is common enough for a window this large: the index.
        await words.RefreshAsync(1_000_000, CancellationToken.None);
        Assert.That(words.Current(ArticleListSql.SearchWindow).Lexemes, Is.Empty);
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        // (On a table this small the planner may serve this shape by the newest-first index too; it tests @@ either way.)
        var indexed = await AnswersAsync();

        Assert.That(walkedAfter.Newest, Is.GreaterThan(walkedBefore.Newest), "the walk read the newest heads");
        Assert.That(walkedAfter.Words, Is.EqualTo(walkedBefore.Words), "the walk never read the words index of the heads");
        Assert.That(walked, Is.EqualTo(indexed));
        Assert.That(walked, Has.Some.StartsWith("harbour-7,"), "the exact title first when it is what was typed");
        Assert.That(walked.SelectMany(a => a.Split('|')[0].Split(',')), Has.None.Matches<string>(s => s == "harbour-draft" || (s.StartsWith("harbour-") && int.Parse(s[8..]) > 420)));
    }

    // Each query's first three pages of 20 (the cursor carries on from the head tier into the body tier) and a page of 5.
    private async Task<List<string>> AnswersAsync()
    {
        var answers = new List<string>();
        foreach (var q in Queries)
        {
            string? cursor = null;
            for (var page = 0; page < 3; page++)
            {
                var list = (await Anonymous.GetFromJsonAsync<JsonNode>(
                    $"/api/v1/articles?q={Uri.EscapeDataString(q)}{(cursor is null ? "" : "&cursor=" + cursor)}"))!;
                answers.Add(string.Join(",", Slugs(list)) + "|" + string.Join("|", list["items"]!.AsArray().Select(i => i!["snippet"]?.ToString())));
                cursor = list["nextCursor"]?.GetValue<string>();
                if (cursor is null)
                    break;
            }
            var small = (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/articles?q={Uri.EscapeDataString(q)}&limit=5"))!;
            answers.Add(string.Join(",", Slugs(small)));
        }
        return answers;
    }

    private sealed record Scans(long Newest, long Words);

    // Index use as PostgreSQL counts it. A backend reports its counts when it has been idle a while or when it ends:
    // the delivery pool's connections are closed, so their backends end and report, then the counts are read until
    // they show what is waited for, or for a few seconds.
    private static async Task<Scans> IndexScansAsync(Func<Scans, bool> shows)
    {
        GlobalSetup.Factory.Services.GetRequiredService<DeliveryDataSource>().ClearAll();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var scans = new Scans(
                await SqlAsync<long>("select idx_scan from pg_stat_user_indexes where indexrelname = 'article_search_heads_newest'"),
                await SqlAsync<long>("select idx_scan from pg_stat_user_indexes where indexrelname = 'article_search_heads_words'"));
            if (shows(scans) || DateTime.UtcNow > deadline)
                return scans;
            await Task.Delay(100);
        }
    }
}
