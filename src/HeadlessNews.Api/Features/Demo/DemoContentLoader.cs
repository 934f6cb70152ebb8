using System.Text.Json;
using Dapper;
using FluentValidation;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Features.Revisions;
using HeadlessNews.Api.Features.Tags;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Demo;

/// <summary>
/// Loads the demo newsroom (demo-content.json, written for this project) when HeadlessNews:DemoContent is true.
/// Idempotent: tags and articles whose slug already exists are left alone, so a restart adds nothing and
/// an editor's changes to demo articles survive. Publish times are relative to the first load.
/// </summary>
internal sealed class DemoContentLoader(
    NpgsqlDataSource db, ArticleWriter writer, IOptions<HeadlessNewsOptions> options, IValidator<ArticleWrite> articleValidator, IValidator<TagWrite> tagValidator, ILogger<DemoContentLoader> logger)
{
    private const long AdvisoryLockKey = 0x4465_6D6F_436F_6E74;

    private sealed record DemoArticle(
        string Slug, string Title, string Summary, string BodyMarkdown, string[] Tags,
        double HoursAgo = 0, double HoursAhead = 0, bool AiGenerated = false, string? Disclosure = null,
        SourceLink[]? Sources = null, HeroImage? HeroImage = null, string[]? Related = null)
    {
        // Demo images ship inside this app (DemoImages): their paths become URLs where the public reaches it.
        public ArticleWrite ToWrite(string publicApiUrl) => new(Slug, Title, Summary, BodyMarkdown, Tags, Sources, AiGenerated, Disclosure,
            HeroImage is { Url: ['/', ..] path } ? HeroImage with { Url = publicApiUrl.TrimEnd('/') + path } : HeroImage);
    }

    private sealed record DemoContent(TagWrite[] Tags, DemoArticle[] Articles, DemoArticle[] Drafts, DemoArticle[] Scheduled);

    public async Task LoadAsync(CancellationToken ct)
    {
        var content = Read();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Two instances starting together load it once.
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(@key)", new { key = AdvisoryLockKey }, tx, cancellationToken: ct));

        foreach (var tag in content.Tags)
        {
            await tagValidator.ValidateAndThrowAsync(tag, ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "insert into tags (slug, name, kind, description) values (@Slug, @Name, @Kind, @Description) on conflict (slug) do nothing",
                tag, tx, cancellationToken: ct));
        }

        var now = DateTime.UtcNow;
        var added = new Dictionary<string, Guid>();
        async Task AddAsync(DemoArticle article, DateTime? publishAt)
        {
            var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select exists (select 1 from articles where slug = @Slug)", article, tx, cancellationToken: ct));
            if (exists)
                return;
            var write = article.ToWrite(options.Value.PublicApiUrl);
            await articleValidator.ValidateAndThrowAsync(write, ct);
            var id = await ArticleWrites.InsertAsync(connection, tx, write, options.Value.Search.Language, ct);
            if (publishAt is { } at)
            {
                await ArticleWrites.PublishAsync(connection, tx, id, at, ct);
                await ArticleWrites.RefreshTextNeighboursAsync(connection, tx, id, ct);
            }
            added[article.Slug] = id;
        }

        foreach (var article in content.Articles)
            await AddAsync(article, now.AddHours(-article.HoursAgo));
        foreach (var article in content.Drafts)
            await AddAsync(article, null);
        foreach (var article in content.Scheduled)
            await AddAsync(article, now.AddHours(article.HoursAhead));

        foreach (var article in content.Articles.Where(a => a.Related is not null && added.ContainsKey(a.Slug)))
        {
            var ids = (await connection.QueryAsync<(Guid Id, string Slug)>(new CommandDefinition(
                "select id, slug from articles where slug = any(@slugs)", new { slugs = article.Related }, tx, cancellationToken: ct)))
                .ToDictionary(r => r.Slug, r => r.Id);
            await ArticleWrites.ReplaceRelatedAsync(connection, tx, [(added[article.Slug], article.Related!.Select(s => ids[s]).ToList())], ct);
        }

        // Recorded as created in the state they are left in, through the write path (revisions, events, change feed).
        var articles = await ArticleMapping.LoadArticlesAsync(connection, ArticleSql.ByIds, new { ids = added.Values.ToArray() }, options.Value.SiteUrl, ct);
        await ArticleWriter.RecordAsync(connection, tx,
            articles.Select(a => new ArticleChange(Visibility.Absent, ArticleVisibility.Of(a.Status), a, RevisionLog.Created)).ToList(),
            new Actor(null, "demo content"), ct);
        await tx.CommitAsync(ct);
        await writer.PurgeAsync(null);
        logger.LogInformation("Demo content: {Added} articles added, {Total} in the demo set", added.Count,
            content.Articles.Length + content.Drafts.Length + content.Scheduled.Length);
    }

    private static DemoContent Read()
    {
        using var stream = typeof(DemoContentLoader).Assembly.GetManifestResourceStream(
            "HeadlessNews.Api.Features.Demo.demo-content.json") ?? throw new InvalidOperationException("demo-content.json is not embedded.");
        return JsonSerializer.Deserialize<DemoContent>(stream, JsonSerializerOptions.Web)
               ?? throw new InvalidOperationException("demo-content.json is empty.");
    }
}
