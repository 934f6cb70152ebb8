using FluentValidation;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Features.Conversation;

internal static class CommentRules
{
    /// <summary>Plain text that is not only whitespace, with the same character rules as every other text field.</summary>
    public static IRuleBuilderOptions<T, string> CommentBody<T>(this IRuleBuilder<T, string> rule, int maxLength) =>
        rule.NotNull()
            .Must(b => b is null || CommentText.Normalize(b).Length > 0).WithMessage("body must not be empty.")
            .Must(b => TextRules.IsCleanText(b, multiline: true))
            .WithMessage("body must not contain control characters (other than tab and line breaks), unpaired surrogates or Unicode noncharacters.")
            .Must(b => b is null || CommentText.Normalize(b).Length <= maxLength).WithMessage($"body must be at most {maxLength} characters.");

    public static IRuleBuilderOptions<T, string?> IssuedCursor<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(c => c is null || Cursor.TryDecode(c, out _)).WithMessage("cursor is not a cursor this API issued.");
}

internal sealed class CommentWriteValidator : AbstractValidator<CommentWrite>
{
    public CommentWriteValidator(IOptions<HeadlessNewsOptions> options) => RuleFor(c => c.Body).CommentBody(options.Value.Comments.MaxLength);
}

internal sealed class CommentEditValidator : AbstractValidator<CommentEdit>
{
    public CommentEditValidator(IOptions<HeadlessNewsOptions> options) => RuleFor(c => c.Body).CommentBody(options.Value.Comments.MaxLength);
}

internal sealed class CommentReportValidator : AbstractValidator<CommentReport>
{
    public CommentReportValidator()
    {
        RuleFor(r => r.Reason).Must(r => r is "spam" or "abuse" or "off-topic" or "other").WithMessage("reason must be spam, abuse, off-topic or other.");
        RuleFor(r => r.Note).CleanText(500, multiline: true);
    }
}

internal sealed class CommentListQueryValidator : AbstractValidator<CommentListQuery>
{
    public CommentListQueryValidator()
    {
        RuleFor(q => q.Sort).Must(s => s is null or "newest" or "oldest").WithMessage("sort must be newest or oldest.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        RuleFor(q => q.Cursor).IssuedCursor();
    }
}

internal sealed class PageQueryValidator : AbstractValidator<PageQuery>
{
    public PageQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        RuleFor(q => q.Cursor).IssuedCursor();
    }
}

internal sealed class ModerationQueryValidator : AbstractValidator<ModerationQuery>
{
    public ModerationQueryValidator()
    {
        RuleFor(q => q.Status).Must(s => s is null or "pending" or "reported" or "approved" or "rejected")
            .WithMessage("status must be pending, reported, approved or rejected.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        RuleFor(q => q.Cursor).IssuedCursor();
    }
}

internal sealed class RejectRequestValidator : AbstractValidator<RejectRequest>
{
    public RejectRequestValidator() => RuleFor(r => r.Reason).NotEmpty().CleanText(500, multiline: true);
}

internal sealed class BanRequestValidator : AbstractValidator<BanRequest>
{
    public BanRequestValidator()
    {
        RuleFor(r => r.Reason).NotEmpty().CleanText(500, multiline: true);
        RuleFor(r => r.Until).Must(u => u is null || u > DateTimeOffset.UtcNow).WithMessage("until must be in the future (leave it out to ban for good).");
    }
}

internal sealed class ConversationStateWriteValidator : AbstractValidator<ConversationStateWrite>
{
    public ConversationStateWriteValidator() =>
        RuleFor(w => w.State).Must(s => s is "auto" or "open" or "closed").WithMessage("state must be auto, open or closed.");
}

internal sealed class ModerationSettingsValidator : AbstractValidator<ModerationSettings>
{
    public ModerationSettingsValidator()
    {
        RuleFor(s => s.PreModeration).Must(m => m is "off" or "first" or "all").WithMessage("preModeration must be off, first or all.");
        RuleFor(s => s.TrustedAfter).InclusiveBetween(1, 100);
        RuleFor(s => s.MaxLinks).InclusiveBetween(0, 50);
        RuleFor(s => s.AutoCloseAfterDays).InclusiveBetween(1, 36500);
        foreach (var list in new[] { "bannedWords", "suspectWords" })
        {
            var words = list == "bannedWords" ? (Func<ModerationSettings, IReadOnlyList<string>>)(s => s.BannedWords) : s => s.SuspectWords;
            RuleFor(s => words(s)).NotNull().Must(w => w is null || w.Count <= 500).WithMessage($"{list} may hold at most 500 entries.")
                .OverridePropertyName(list);
            RuleForEach(s => words(s)).NotEmpty().CleanText(100).Must(w => w is null || w.Trim().Length == w.Length)
                .WithMessage("Words must not start or end with spaces.").OverridePropertyName(list);
        }
    }
}
