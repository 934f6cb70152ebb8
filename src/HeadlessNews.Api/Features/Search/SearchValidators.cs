using FluentValidation;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Search;

internal sealed class SuggestQueryValidator : AbstractValidator<SuggestQuery>
{
    public SuggestQueryValidator()
    {
        RuleFor(q => q.Q).NotEmpty().CleanText(100);
        RuleFor(q => q.Limit).InclusiveBetween(1, 20);
    }
}
