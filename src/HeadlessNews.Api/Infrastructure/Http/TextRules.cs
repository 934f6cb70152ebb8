using System.Buffers;
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
    /// Text every output can carry, XML feeds included: no control characters (tab and newlines excepted where
    /// multiline is allowed), no unpaired UTF-16 surrogates and no Unicode noncharacters (U+FDD0 to U+FDEF and
    /// the last two code points of every plane, U+FFFE and U+FFFF among them).
    /// </summary>
    public static bool IsCleanText(string? value, bool multiline)
    {
        if (value is null)
            return true;
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != OperationStatus.Done || !IsStorable(rune))
                return false;
            if (!multiline && rune.Value is '\t' or '\n' or '\r')
                return false;
            rest = rest[used..];
        }
        return true;
    }

    /// <summary>
    /// The text without the characters <see cref="IsCleanText"/> refuses (tab and newlines kept), for output that
    /// must not fail on what was stored before those rules, or behind the API's back.
    /// </summary>
    public static string WithoutUnstorable(string value)
    {
        if (IsCleanText(value, multiline: true))
            return value;
        var clean = new StringBuilder(value.Length);
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) == OperationStatus.Done && IsStorable(rune))
                clean.Append(rest[..used]);
            rest = rest[used..];
        }
        return clean.ToString();
    }

    // XML 1.0 allows no other control characters; noncharacters are refused too, as XML 1.0 and Unicode advise.
    private static bool IsStorable(Rune rune) =>
        (!Rune.IsControl(rune) || rune.Value is '\t' or '\n' or '\r')
        && rune.Value is not (>= 0xFDD0 and <= 0xFDEF)
        && (rune.Value & 0xFFFE) != 0xFFFE;

    public static IRuleBuilderOptions<T, string?> Slug<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(v => v is null || IsSlug(v, maxLength))
            .WithMessage($"{{PropertyName}} must be 1 to {maxLength} lowercase letters, digits and single hyphens (like 'us-election').");

    public static IRuleBuilderOptions<T, string?> CleanText<T>(this IRuleBuilder<T, string?> rule, int maxLength, bool multiline = false) =>
        rule.Must(v => IsCleanText(v, multiline)).WithMessage(multiline
                ? "{PropertyName} must not contain control characters (other than tab and line breaks), unpaired surrogates or Unicode noncharacters."
                : "{PropertyName} must not contain control characters, line breaks, unpaired surrogates or Unicode noncharacters.")
            .MaximumLength(maxLength);

    // Characters that let a URL break out of the HTML attribute, XML or Markdown it is written into.
    private static readonly SearchValues<char> MarkupInUrls = SearchValues.Create("<>\"'`\\");

    /// <summary>An absolute http(s) URL with a host, written out in full, with no whitespace or markup characters.</summary>
    public static bool IsHttpUrl(string value) =>
        IsCleanText(value, multiline: false)
        && value.AsSpan().IndexOfAny(MarkupInUrls) < 0
        && !value.Any(char.IsWhiteSpace)
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && value.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase)
        && !string.IsNullOrEmpty(uri.Host);

    public static IRuleBuilderOptions<T, string?> HttpUrl<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(2000)
            .Must(v => v is null || IsHttpUrl(v))
            .WithMessage("{PropertyName} must be an absolute http or https URL (like https://example.org/page) without spaces, quotes, backticks, backslashes, < or >.");
}
