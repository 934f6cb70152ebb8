using FluentValidation;

namespace HeadlessNews.Api.Features.Revisions;

internal sealed class RevisionDiffQueryValidator : AbstractValidator<RevisionDiffQuery>
{
    public RevisionDiffQueryValidator()
    {
        RuleFor(q => q.From).NotNull().GreaterThan(0);
        RuleFor(q => q.To).NotNull().GreaterThan(0);
    }
}
