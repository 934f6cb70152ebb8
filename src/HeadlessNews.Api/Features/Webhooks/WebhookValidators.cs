using FluentValidation;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Webhooks;

internal sealed class WebhookWriteValidator : AbstractValidator<WebhookWrite>
{
    public WebhookWriteValidator(WebhookTargets targets)
    {
        RuleFor(w => w.Url).NotEmpty().HttpUrl().DependentRules(() =>
            RuleFor(w => w.Url).CustomAsync(async (url, context, ct) =>
            {
                if (await targets.RefusalAsync(url, ct) is { } refusal)
                    context.AddFailure(nameof(WebhookWrite.Url), refusal);
            }));
        RuleFor(w => w.Events).NotEmpty()
            .Must(e => e is null || e.Distinct().Count() == e.Count).WithMessage("events must not repeat a type.");
        RuleForEach(w => w.Events).Must(e => EventTypes.All.Contains(e))
            .WithMessage($"Unknown event type. Known: {string.Join(", ", EventTypes.All)}.");
        RuleFor(w => w.Description).CleanText(500);
    }
}

internal sealed class RotateSecretRequestValidator : AbstractValidator<RotateSecretRequest>
{
    public RotateSecretRequestValidator() => RuleFor(r => r.OverlapHours).InclusiveBetween(0, 168);
}

internal sealed class DeliveryListQueryValidator : AbstractValidator<DeliveryListQuery>
{
    public DeliveryListQueryValidator()
    {
        RuleFor(q => q.Status).Must(s => s is null or "pending" or "succeeded" or "dead").WithMessage("status must be pending, succeeded or dead.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 100);
        RuleFor(q => q.Cursor).Must(c => c is null || Cursor.TryDecode(c, out _)).WithMessage("cursor is not a cursor this API issued.");
    }
}
