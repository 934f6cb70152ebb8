using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>Reader tokens as a site's sign-in would make them, and the kinds of bad ones the API must refuse.</summary>
internal static class ReaderTokenMint
{
    public static SymmetricSecurityKey TestKey => new(Encoding.UTF8.GetBytes(HeadlessNewsApiFactory.ReaderSigningKey));

    public static string Create(
        string subject, string? name = "Reader", string? email = null, bool staff = false,
        string issuer = HeadlessNewsApiFactory.ReaderIssuer, string audience = HeadlessNewsApiFactory.ReaderAudience,
        DateTime? expires = null, SecurityKey? key = null, string algorithm = SecurityAlgorithms.HmacSha256, bool withExpiry = true,
        IReadOnlyDictionary<string, object>? extra = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        foreach (var (claim, value) in extra ?? new Dictionary<string, object>())
            claims[claim] = value;
        if (name is not null)
            claims["name"] = name;
        if (email is not null)
            claims["email"] = email;
        if (staff)
            claims["staff"] = true;
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = (expires ?? now.AddHours(1)) < now ? expires!.Value.AddHours(-1) : now,
            NotBefore = (expires ?? now.AddHours(1)) < now ? expires!.Value.AddHours(-1) : now,
            Expires = withExpiry ? expires ?? now.AddHours(1) : null,
            SigningCredentials = new SigningCredentials(key ?? TestKey, algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = withExpiry }.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (alg "none") with otherwise valid claims.</summary>
    public static string Unsigned(string subject)
    {
        static string Part(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return Part("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." +
               Part($"{{\"sub\":\"{subject}\",\"name\":\"Mallory\",\"iss\":\"{HeadlessNewsApiFactory.ReaderIssuer}\",\"aud\":\"{HeadlessNewsApiFactory.ReaderAudience}\",\"exp\":{exp}}}") + ".";
    }
}
