using System.Text;
using System.Text.RegularExpressions;
using FluentValidation;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>Validation rules shared by every feature's validators.</summary>
internal static partial class TextRules
{
    public const string SlugPattern = "^[a-z0-9]+(-[a-z0-9]+)*$";

    [GeneratedRegex(SlugPattern)]
    private static partial Regex Slug();

    public static bool IsSlug(string? value, int maxLength) =>
        value is not null && value.Length <= maxLength && Slug().IsMatch(value);

    /// <summary>
    /// Text PostgreSQL can store and a reader can see: no NUL or other control characters (tab and
    /// newlines excepted where multiline is allowed) and no unpaired UTF-16 surrogates.
    /// </summary>
    public static bool IsCleanText(string? value, bool multiline)
    {
        if (value is null)
            return true;
        if (value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') && !IsWellFormedUtf16(value))
            return false;
        foreach (var c in value)
        {
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
                return false;
        }
        return true;
    }

    private static bool IsWellFormedUtf16(string value)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    public static IRuleBuilderOptions<T, string?> Slug<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(v => v is null || IsSlug(v, maxLength))
            .WithMessage($"{{PropertyName}} must be 1 to {maxLength} lowercase letters, digits and single hyphens (like 'us-election').");

    public static IRuleBuilderOptions<T, string?> CleanText<T>(this IRuleBuilder<T, string?> rule, int maxLength, bool multiline = false) =>
        rule.Must(v => IsCleanText(v, multiline)).WithMessage("{PropertyName} must not contain control characters or invalid Unicode.")
            .MaximumLength(maxLength);

    public static IRuleBuilderOptions<T, string?> HttpUrl<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(2000)
            .Must(v => v is null || (Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)))
            .WithMessage("{PropertyName} must be an absolute http or https URL.");
}
