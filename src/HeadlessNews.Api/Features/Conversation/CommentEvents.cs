using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Infrastructure.Http;
using Npgsql;

namespace HeadlessNews.Api.Features.Conversation;

/// <summary>
/// What partners hear of a comment, and only when the public could see it: comment.published when it becomes public,
/// comment.removed when a public one stops being public. The event names the comment and its article, no text and no
/// name (the public API shows those, and an erased reader's name must not live on in old events). The article also
/// moves to the end of the change feed, since its comments.count changed. Written in the caller's transaction, like
/// every other event (the outbox).
/// </summary>
internal static class CommentEvents
{
    public sealed record Subject(Guid Id, Guid ArticleId, string ArticleSlug, Guid? ParentId, DateTime CreatedAt);

    private const string Record = """
        with e as (
            insert into events (type, article_id, comment_id, data)
            select @type, u.article_id, u.comment_id, u.data
            from unnest(@articleIds::uuid[], @commentIds::uuid[], @datas::jsonb[]) with ordinality as u(article_id, comment_id, data, n)
            order by u.n
            returning id, type
        )
        insert into webhook_deliveries (event_id, subscription_id)
        select e.id, s.id from e join webhook_subscriptions s on e.type = any(s.events);
        select pg_notify('webhook_deliveries', '');
        """;

    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string type, IReadOnlyList<Subject> comments, CancellationToken ct)
    {
        if (comments.Count == 0)
            return;
        await connection.ExecuteAsync(new CommandDefinition(Record, new
        {
            type,
            articleIds = comments.Select(c => c.ArticleId).ToArray(),
            commentIds = comments.Select(c => c.Id).ToArray(),
            datas = comments.Select(c => StoredJson.Write(new { comment = new { c.Id, c.ArticleId, c.ArticleSlug, c.ParentId, c.CreatedAt } })).ToArray(),
        }, tx, cancellationToken: ct));
        var articles = comments.DistinctBy(c => c.ArticleId).ToList();
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MoveToEnd, new
        {
            ids = articles.Select(a => a.ArticleId).ToArray(),
            slugs = articles.Select(a => a.ArticleSlug).ToArray(),
            visibles = articles.Select(_ => true).ToArray(),
        }, tx, cancellationToken: ct));
    }

    /// <summary>After the commit: the article's page and cards (their count) and its comment lists are read afresh.</summary>
    public static Task PurgeAsync(DeliveryCacheInvalidator cache, IEnumerable<Guid> articleIds) =>
        cache.InvalidateAsync([.. articleIds.Distinct().SelectMany(id => new[] { SurrogateKeys.Article(id), SurrogateKeys.Comments(id) })]);
}
