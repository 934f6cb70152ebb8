namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// Where an article stands for the public. <see cref="Public"/> is the only state the public, partners and feeds
/// ever see; <see cref="Scheduled"/> is an embargo: it will be public, and until then nothing about it leaves.
/// </summary>
internal enum Visibility
{
    /// <summary>No such article: not created yet, or deleted.</summary>
    Absent,
    Draft,
    /// <summary>Publishing at a time still to come.</summary>
    Scheduled,
    /// <summary>Published, or scheduled and its time has come.</summary>
    Public,
    Archived,
}

/// <summary>
/// The one C# reading of public visibility. The rule itself is SQL's article_is_public (migration 0013), which the
/// database applies with its own clock; every status read from the database is the effective one it gives
/// (ArticleSql.EffectiveStatus), so "published" here means "the public sees it now", and nothing in C# compares
/// publish times with a clock of its own.
/// </summary>
internal static class ArticleVisibility
{
    public static Visibility Of(string effectiveStatus) => effectiveStatus switch
    {
        "published" => Visibility.Public,
        "scheduled" => Visibility.Scheduled,
        "draft" => Visibility.Draft,
        "archived" => Visibility.Archived,
        _ => throw new ArgumentOutOfRangeException(nameof(effectiveStatus), effectiveStatus, "Not an article status."),
    };

    public static bool IsPublic(this Visibility visibility) => visibility == Visibility.Public;

    /// <summary>Public now or at a set time: such an article must carry what publishing needs (disclosure, sources).</summary>
    public static bool IsOrWillBePublic(this Visibility visibility) => visibility is Visibility.Public or Visibility.Scheduled;
}
