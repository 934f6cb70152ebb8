using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Changes;

/// <summary>What partners are told of a write: a webhook event, and the article's change-feed entry (an upsert when
/// <paramref name="Visible"/>, else a tombstone).</summary>
internal sealed record Announcement(string EventType, bool Visible);

/// <summary>
/// The transition table (docs/partners.md, "What partners are told, and when"). Partners hear only about what is or was
/// public, so the answer depends on whether the public could see the article before the write and can after it,
/// whatever the operation: nothing is ever sent about an article that was not public and is not public after the
/// write (a draft, an embargoed article, an archived one), and article.published exactly when an article becomes
/// public. "Before" is what partners were last told: a scheduled article whose time came is announced first
/// (<see cref="ArticleWriter.PublishDueAsync"/>).
/// </summary>
internal static class ArticleTransitions
{
    public static Announcement? Of(Visibility before, Visibility after) => (before.IsPublic(), after.IsPublic()) switch
    {
        (false, true) => new Announcement(EventTypes.ArticlePublished, Visible: true),
        (true, true) => new Announcement(EventTypes.ArticleUpdated, Visible: true),
        (true, false) => new Announcement(after switch
        {
            Visibility.Archived => EventTypes.ArticleArchived,
            Visibility.Absent => EventTypes.ArticleDeleted,
            _ => EventTypes.ArticleUnpublished,
        }, Visible: false),
        (false, false) => null,
    };
}
