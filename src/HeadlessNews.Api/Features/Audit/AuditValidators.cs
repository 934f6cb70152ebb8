using FluentValidation;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Audit;

internal sealed class AuditQueryValidator : AbstractValidator<AuditQuery>
{
    public AuditQueryValidator()
    {
        RuleFor(q => q.KeyId).CleanText(100);
        RuleFor(q => q.Action).CleanText(100);
        RuleFor(q => q.ResourceType).CleanText(50);
        RuleFor(q => q.ResourceId).CleanText(100);
        RuleFor(q => q.Limit).InclusiveBetween(1, 200);
        RuleFor(q => q.Cursor).Must(c => c is null || AuditCursor.TryDecode(c, out _)).WithMessage("cursor is not a cursor this API issued.");
    }
}
