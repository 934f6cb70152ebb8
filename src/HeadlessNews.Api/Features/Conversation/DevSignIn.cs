using System.Security.Claims;
using HeadlessNews.Api.Infrastructure.Auth;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HeadlessNews.Api.Features.Conversation;

/// <summary>
/// Local development without an identity provider: POST /dev/reader-token mints an HS256 reader token as the site's
/// sign-in would. Mapped only in the Development environment with HeadlessNews:Readers:DevSignIn on; in any other
/// environment that setting stops the app at start (HeadlessNewsOptionsValidator). Not part of the API contract.
/// </summary>
internal static class DevSignIn
{
    public sealed record DevTokenRequest(string? Subject = null, string? Name = null, string? Email = null, bool Staff = false);

    public sealed record DevToken(string Token, DateTime ExpiresAt);

    public static void MapDevSignIn(this WebApplication app)
    {
        var readers = app.Services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value.Readers;
        if (!app.Environment.IsDevelopment() || !readers.DevSignIn)
            return;
        app.MapPost("/dev/reader-token", (DevTokenRequest? request) =>
        {
            var expires = DateTime.UtcNow.AddHours(12);
            var claims = new Dictionary<string, object>
            {
                ["sub"] = string.IsNullOrWhiteSpace(request?.Subject) ? "dev-" + Guid.NewGuid().ToString("N")[..12] : request.Subject,
                ["name"] = ReaderTokens.DisplayName(request?.Name ?? "Dev Reader"),
            };
            if (!string.IsNullOrWhiteSpace(request?.Email))
                claims["email"] = request.Email;
            if (request?.Staff == true)
                claims[readers.StaffClaim] = true;
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = readers.Issuer,
                Audience = readers.Audience,
                Expires = expires,
                Claims = claims,
                SigningCredentials = new SigningCredentials(ReaderTokens.SigningKey(readers), SecurityAlgorithms.HmacSha256),
            });
            return TypedResults.Ok(new DevToken(token, expires));
        }).AllowAnonymous().RequireCors(Infrastructure.Http.CorsSetup.Readers).ExcludeFromDescription();
    }
}
