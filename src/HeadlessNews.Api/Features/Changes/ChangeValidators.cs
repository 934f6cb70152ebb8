using FluentValidation;

namespace HeadlessNews.Api.Features.Changes;

internal sealed class ChangeQueryValidator : AbstractValidator<ChangeQuery>
{
    public ChangeQueryValidator()
    {
        RuleFor(q => q.Since).Must(s => s is null || ChangeTokens.TryDecode(s, out _))
            .WithMessage("since is not a token this API issued; omit it to start a full sync.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 500);
    }
}
