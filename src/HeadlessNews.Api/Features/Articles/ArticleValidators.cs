using FluentValidation;
using HeadlessNews.Api.Features.Tags;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Articles;

internal sealed class ArticleWriteValidator : AbstractValidator<ArticleWrite>
{
    private const int MaxBodyLength = 200_000;

    public ArticleWriteValidator()
    {
        RuleFor(a => a.Slug).NotEmpty().Slug(200);
        RuleFor(a => a.Title).NotEmpty().CleanText(300);
        RuleFor(a => a.Summary).CleanText(1000, multiline: true);
        RuleFor(a => a.BodyMarkdown).CleanText(MaxBodyLength, multiline: true);
        RuleFor(a => a.BodyMarkdown).Custom((body, context) =>
        {
            if (ArticleBody.Limits(body) is { } problem)
                context.AddFailure(problem);
        }).When(a => a.BodyMarkdown is not { Length: > MaxBodyLength });
        RuleFor(a => a.Tags).Must(t => t is null || t.Count <= 30).WithMessage("tags may name at most 30 tags.")
            .Must(t => t is null || t.Distinct().Count() == t.Count).WithMessage("tags must not repeat a slug.");
        RuleForEach(a => a.Tags).NotEmpty().Slug(100);
        RuleFor(a => a.Sources).Must(s => s is null || s.Count <= 50).WithMessage("sources may list at most 50 links.");
        RuleForEach(a => a.Sources).NotNull().ChildRules(source =>
        {
            source.RuleFor(s => s.Title).NotEmpty().CleanText(300);
            source.RuleFor(s => s.Url).NotEmpty().HttpUrl();
            source.RuleFor(s => s.Publisher).CleanText(200);
        });
        RuleFor(a => a.Disclosure).CleanText(2000, multiline: true);
        RuleFor(a => a.HeroImage!).ChildRules(image =>
        {
            image.RuleFor(i => i.Url).NotEmpty().HttpUrl();
            image.RuleFor(i => i.Alt).CleanText(500);
            image.RuleFor(i => i.Credit).CleanText(300);
        }).When(a => a.HeroImage is not null);
        RuleFor(a => a.CanonicalUrl).HttpUrl();
    }
}

internal sealed class CorrectionWriteValidator : AbstractValidator<CorrectionWrite>
{
    public CorrectionWriteValidator()
    {
        RuleFor(c => c.Kind).Must(k => k is "correction" or "update").WithMessage("kind must be correction or update.");
        RuleFor(c => c.Text).NotEmpty().CleanText(2000, multiline: true);
    }
}

internal sealed class PublishRequestValidator : AbstractValidator<PublishRequest>
{
    public PublishRequestValidator()
    {
        RuleFor(p => p.PublishAt)
            .Must(at => at is null || (at.Value.Year >= 1900 && at.Value < DateTimeOffset.UtcNow.AddYears(10)))
            .WithMessage("publishAt must be a time between 1900 and ten years from now.");
    }
}

internal sealed class RelatedWriteValidator : AbstractValidator<RelatedWrite>
{
    public RelatedWriteValidator()
    {
        RuleFor(r => r.ArticleIds).NotNull()
            .Must(ids => ids is null || ids.Count <= 20).WithMessage("articleIds may list at most 20 articles.")
            .Must(ids => ids is null || ids.Distinct().Count() == ids.Count).WithMessage("articleIds must not repeat an article.");
    }
}

internal sealed class ArticleListQueryValidator : AbstractValidator<ArticleListQuery>
{
    public ArticleListQueryValidator()
    {
        RuleFor(q => q.Tag).Must(t => t is null || t.Length <= 10).WithMessage("At most 10 tag filters.");
        RuleForEach(q => q.Tag).Must(t => TextRules.IsSlug(t, 100)).WithMessage("tag must be a tag slug.");
        RuleFor(q => q.TagMatch).Must(m => m is null or "any" or "all").WithMessage("tagMatch must be 'any' or 'all'.");
        RuleFor(q => q.Kind).Must(k => k is null || TagKinds.All.Contains(k))
            .WithMessage($"kind must be one of: {string.Join(", ", TagKinds.All)}.");
        RuleFor(q => q.Q).CleanText(500)
            .Must(q => q is null || MaxExcludesInARow(q) <= MaxExcludes)
            .WithMessage($"q must not chain more than {MaxExcludes} '-' (exclude) signs without a word between them.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        // Search pages are ordered by relevance, other lists by time: each has its own kind of cursor.
        RuleFor(q => q.Cursor)
            .Must((q, c) => c is null || (string.IsNullOrWhiteSpace(q.Q) ? Cursor.TryDecode(c, out _) : Cursor.TryDecodeScore(c, out _)))
            .WithMessage("cursor is not a cursor this API issued for this list.");
        RuleFor(q => q.PublishedBefore).GreaterThan(q => q.PublishedAfter)
            .When(q => q.PublishedAfter is not null && q.PublishedBefore is not null)
            .WithMessage("publishedBefore must be later than publishedAfter.");
    }

    // PostgreSQL's websearch_to_tsquery keeps each '-' with no word after it as a pending NOT on a stack of 32, and
    // fails the query beyond that ("tsquery stack too small"). Only letters and digits are sure to start a word,
    // so a stretch without them is counted as one run.
    private const int MaxExcludes = 10;

    private static int MaxExcludesInARow(string q)
    {
        int longest = 0, run = 0;
        foreach (var c in q)
        {
            if (char.IsLetterOrDigit(c))
                run = 0;
            else if (c == '-')
                longest = Math.Max(longest, ++run);
        }
        return longest;
    }
}

internal sealed class ManageArticleListQueryValidator : AbstractValidator<ManageArticleListQuery>
{
    public ManageArticleListQueryValidator()
    {
        RuleFor(q => q.Status).Must(s => s is null or "draft" or "scheduled" or "published" or "archived")
            .WithMessage("status must be draft, scheduled, published or archived.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        RuleFor(q => q.Cursor).Must(c => c is null || Cursor.TryDecode(c, out _)).WithMessage("cursor is not a cursor this API issued.");
    }
}

internal sealed class RelatedQueryValidator : AbstractValidator<RelatedQuery>
{
    public RelatedQueryValidator() => RuleFor(q => q.Limit).InclusiveBetween(1, 20);
}

/// <summary>What an article needs before the public may see it. Checked on publish and on edits of live articles.</summary>
internal static class Publishability
{
    public static Dictionary<string, string[]> Problems(bool aiGenerated, string? disclosure, int sourceCount)
    {
        var errors = new Dictionary<string, string[]>();
        if (aiGenerated && string.IsNullOrWhiteSpace(disclosure))
            errors["disclosure"] = ["An AI-generated article needs its disclosure text before it can be published."];
        if (aiGenerated && sourceCount == 0)
            errors["sources"] = ["An AI-generated article needs at least one source link before it can be published."];
        return errors;
    }
}
