using System.Security.Claims;
using Dapper;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Auth;

/// <summary>
/// Readers' sign-in tokens: JSON Web Tokens from the site's own sign-in, checked with ASP.NET Core's JWT bearer
/// handler. HS256 with the shared secret (HeadlessNews:Readers:SigningKey) and RS256/ES256 with the keys an OpenID
/// Connect authority publishes (HeadlessNews:Readers:Authority); nothing else, never "none". Expiry is required,
/// issuer and audience are checked, and every refused token gets the same 401.
/// </summary>
internal static class ReaderTokens
{
    public const string Scheme = "ReaderToken";
    public const string Policy = "reader";
    public const string ReaderIdClaim = "hn:reader_id";
    /// <summary>The request's <see cref="KnownReaders.Identity"/>, for <see cref="ReaderStanding"/>.</summary>
    public const string IdentityItem = "hn:reader-identity";
    public const string StaffClaim = "hn:staff";

    /// <summary>
    /// A compact JWS: three base64url parts joined by dots, the first a JSON object (base64url of '{"' is "eyJ").
    /// API keys are "hn_" and base64url, which has no dots, so the two kinds of bearer value never overlap; the
    /// bootstrap admin key is refused at start when it has this shape.
    /// </summary>
    public static bool LooksLikeToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1)
            return false;
        var value = header.ToString();
        return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && LooksLikeToken(value.AsSpan("Bearer ".Length).Trim());
    }

    public static bool LooksLikeToken(ReadOnlySpan<char> value) => value.StartsWith("eyJ", StringComparison.Ordinal) && value.Count('.') == 2;

    public static Guid ReaderId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ReaderIdClaim)!);

    public static bool IsStaff(this ClaimsPrincipal user) => user.HasClaim(StaffClaim, "true");

    public static AuthenticationBuilder AddReaderTokens(this AuthenticationBuilder auth)
    {
        auth.AddJwtBearer(Scheme, _ => { });
        auth.Services.AddOptions<JwtBearerOptions>(Scheme).Configure<IOptions<HeadlessNewsOptions>>((o, settings) => Configure(o, settings.Value.Readers));
        return auth;
    }

    public static SymmetricSecurityKey SigningKey(ReaderSettings settings) => new(System.Text.Encoding.UTF8.GetBytes(settings.SigningKey!));

    private static void Configure(JwtBearerOptions o, ReaderSettings r)
    {
        o.MapInboundClaims = false;
        o.RequireHttpsMetadata = r.RequireHttpsMetadata;
        o.SaveToken = false;
        var algorithms = new List<string>();
        var p = o.TokenValidationParameters;
        if (!string.IsNullOrEmpty(r.SigningKey))
        {
            p.IssuerSigningKey = SigningKey(r);
            algorithms.Add(SecurityAlgorithms.HmacSha256);
        }
        if (!string.IsNullOrEmpty(r.Authority))
        {
            // The handler reads the discovery document and JWKS from here, refreshes them, and adds the document's
            // issuer and keys to those below.
            o.Authority = r.Authority;
            algorithms.AddRange([SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256]);
        }
        // An empty list would allow every algorithm: with reader sign-in off, one no token can carry.
        p.ValidAlgorithms = algorithms.Count > 0 ? algorithms : ["reader-sign-in-is-off"];
        p.ValidateIssuer = true;
        p.ValidIssuer = string.IsNullOrWhiteSpace(r.Issuer) ? null : r.Issuer;
        p.ValidateAudience = true;
        p.ValidAudience = r.Audience;
        p.ValidateLifetime = true;
        p.RequireExpirationTime = true;
        p.RequireSignedTokens = true;
        p.ValidateIssuerSigningKey = true;
        p.ClockSkew = TimeSpan.FromSeconds(r.ClockSkewSeconds);
        p.NameClaimType = "name";
        // No OnMessageReceived: a token comes in the Authorization header only, the one place CredentialedAuthentication
        // looks before it lets a request be authenticated.
        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = SignedInAsync,
            OnChallenge = ChallengeAsync,
            OnForbidden = ForbiddenAsync,
        };
    }

    private static async Task SignedInAsync(TokenValidatedContext context)
    {
        var settings = context.HttpContext.RequestServices.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value.Readers;
        var principal = context.Principal!;
        var token = context.SecurityToken as JsonWebToken;
        var subject = principal.FindFirstValue("sub");
        var issuer = token?.Issuer ?? principal.FindFirstValue("iss");
        if (token is null || string.IsNullOrEmpty(subject) || subject.Length > 255 || !TextRules.IsCleanText(subject, multiline: false)
            || string.IsNullOrEmpty(issuer) || issuer.Length > 500)
        {
            context.Fail("A reader token needs sub and iss.");
            return;
        }
        // The shared secret speaks for its own issuer only: it cannot sign in readers of the OpenID Connect authority.
        if (token.Alg == SecurityAlgorithms.HmacSha256 && issuer != settings.Issuer)
        {
            context.Fail("HS256 tokens must carry the configured issuer.");
            return;
        }
        var name = DisplayName(principal.FindFirstValue("name") ?? principal.FindFirstValue("preferred_username") ?? principal.FindFirstValue("nickname"));
        var email = principal.FindFirstValue("email") is { Length: > 0 and <= 320 } e && TextRules.IsCleanText(e, multiline: false) ? e : null;
        var staff = principal.FindFirstValue(settings.StaffClaim) is "true" or "True";

        // A front end may send the token on every request; only a reader operation (a route behind the reader policy)
        // needs the reader's record. Anywhere else the token is checked and nothing is looked up or stored: a reader who
        // only reads leaves no name or email behind, and an erased reader is not written back by a page view.
        if (context.HttpContext.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == Policy) != true)
        {
            context.Principal = ReaderPrincipal(subject, issuer, name);
            return;
        }
        // Answered from memory when this instance saw the same token content lately: no database round trip.
        var services = context.HttpContext.RequestServices;
        var reader = new KnownReaders.Identity(issuer, subject, name, email, staff);
        var id = await services.GetRequiredService<KnownReaders>().ResolveAsync(
            services.GetRequiredService<NpgsqlDataSource>(), reader, context.HttpContext.RequestAborted);
        context.HttpContext.Items[IdentityItem] = reader;
        context.Principal = staff
            ? ReaderPrincipal(subject, issuer, name, new Claim(ReaderIdClaim, id.ToString()), new Claim(StaffClaim, "true"))
            : ReaderPrincipal(subject, issuer, name, new Claim(ReaderIdClaim, id.ToString()));
    }

    // The request runs as a principal of our own making, never as the token's claims: a token is the identity
    // provider's word on who the reader is, not on roles, key ids or quotas, and a claim named like one of ours
    // (ClaimTypes.Role, ClaimTypes.NameIdentifier, the key quota) must not make a reader an editor or let them pick
    // another client's rate-limit bucket.
    private static ClaimsPrincipal ReaderPrincipal(string subject, string issuer, string name, params Claim[] ours) =>
        new(new ClaimsIdentity([new("sub", subject), new("iss", issuer), new("name", name), .. ours], Scheme, "name", "hn:no-roles"));

    /// <summary>The name readers see: clean single-line text, at most 100 characters, "Reader" when there is none.</summary>
    public static string DisplayName(string? claimed)
    {
        var text = string.Join(' ', TextRules.WithoutUnstorable(claimed ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length > 100)
            text = text[..100].TrimEnd();
        // A cut may leave half a surrogate pair.
        text = TextRules.WithoutUnstorable(text);
        return text.Length == 0 ? "Reader" : text;
    }

    // Unknown issuer, wrong algorithm, "none", expired, another audience, a bad signature: one answer for all.
    private static Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(context.HttpContext, 401, "Unauthorized",
            "A valid reader token is required in the Authorization header as 'Bearer <token>'.");
    }

    private static Task ForbiddenAsync(ForbiddenContext context) =>
        WriteProblemAsync(context.HttpContext, 403, "Forbidden", "A reader token may not perform this operation.");

    private static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new()
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

/// <summary>
/// In front of every reader operation: the reader's standing, asked of the primary, so a ban made on any instance holds
/// for the reader's very next operation on every instance (tokens are answered from memory, <see cref="KnownReaders"/>,
/// which knows nothing of bans). A reader erased since this instance last saw their token signs in afresh: a new reader,
/// as after any erasure.
/// </summary>
internal sealed class ReaderStanding(NpgsqlDataSource primary, KnownReaders known)
{
    private const string Standing = "select coalesce(banned_until > now(), false) from readers where id = @id";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var id = http.User.ReaderId();
        await using var connection = primary.CreateConnection();
        var banned = await connection.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(Standing, new { id }, cancellationToken: http.RequestAborted));
        if (banned is null && http.Items[ReaderTokens.IdentityItem] is KnownReaders.Identity identity)
        {
            known.Forget(identity);
            var fresh = await known.ResolveAsync(primary, identity, http.RequestAborted);
            var claims = (ClaimsIdentity)http.User.Identity!;
            claims.RemoveClaim(claims.FindFirst(ReaderTokens.ReaderIdClaim));
            claims.AddClaim(new Claim(ReaderTokens.ReaderIdClaim, fresh.ToString()));
            banned = false;
        }
        // A ban stops a reader taking part, not taking their words back or seeing what is stored about them.
        if (banned is not false && http.GetEndpoint()?.Metadata.GetMetadata<BannedReadersAllowed>() is null)
            return TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: "This reader is banned from the conversation.");
        return await next(context);
    }
}

/// <summary>Marks a reader operation a banned reader may still use (deleting their own comments, their data).</summary>
internal sealed class BannedReadersAllowed;

internal static class ReaderStandings
{
    public static RouteHandlerBuilder AllowBannedReaders(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(new BannedReadersAllowed());

    /// <summary>The one <see cref="ReaderStanding"/> (a singleton) in front of every endpoint of a group.</summary>
    public static RouteGroupBuilder WithReaderStanding(this RouteGroupBuilder group)
    {
        group.AddEndpointFilterFactory((context, next) =>
        {
            var standing = context.ApplicationServices.GetRequiredService<ReaderStanding>();
            return invocation => standing.InvokeAsync(invocation, next);
        });
        return group;
    }
}
