using FluentValidation;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Tags;

internal sealed class TagWriteValidator : AbstractValidator<TagWrite>
{
    public TagWriteValidator()
    {
        RuleFor(t => t.Slug).NotEmpty().Slug(100);
        RuleFor(t => t.Name).NotEmpty().CleanText(100);
        RuleFor(t => t.Kind).Must(k => TagKinds.All.Contains(k)).WithMessage($"kind must be one of: {string.Join(", ", TagKinds.All)}.");
        RuleFor(t => t.Description).CleanText(1000, multiline: true);
    }
}

internal sealed class TagListQueryValidator : AbstractValidator<TagListQuery>
{
    public TagListQueryValidator()
    {
        RuleFor(q => q.Kind).Must(k => k is null || TagKinds.All.Contains(k))
            .WithMessage($"kind must be one of: {string.Join(", ", TagKinds.All)}.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        RuleFor(q => q.Cursor).Must(c => c is null || Cursor.TryDecodeText(c, out _)).WithMessage("cursor is not a cursor this API issued.");
    }
}
