using FluentValidation;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Keys;

internal sealed class CreateKeyRequestValidator : AbstractValidator<CreateKeyRequest>
{
    public CreateKeyRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().CleanText(100);
        RuleFor(r => r.RequestsPerMinute).InclusiveBetween(1, 1_000_000);
        RuleFor(r => r.Role).Must(r => Roles.All.Contains(r)).WithMessage($"role must be one of: {string.Join(", ", Roles.All)}.");
    }
}
