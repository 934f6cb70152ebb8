using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Auth;

internal static class Roles
{
    public const string Reader = "reader";
    public const string Partner = "partner";
    public const string Editor = "editor";
    public const string Admin = "admin";
    /// <summary>Moderates reader comments and does nothing else.</summary>
    public const string Moderator = "moderator";
    public static readonly string[] All = [Reader, Partner, Editor, Admin, Moderator];
}

/// <summary>Authorization policies, each naming the roles that may use it.</summary>
internal static class Policies
{
    public const string ReadContent = "read-content";
    public const string WriteContent = "write-content";
    public const string Admin = "admin";
    /// <summary>The comment moderation queue, readers' bans and comment settings.</summary>
    public const string Moderate = "moderate";
}

internal sealed record Actor(string? KeyId, string? KeyName);

internal static partial class ApiKeyAuth
{
    /// <summary>
    /// The default scheme: it looks at the bearer value and hands it to the API key handler or, when it has the shape
    /// of a JSON Web Token, to the reader token handler (<see cref="ReaderTokens.LooksLikeToken(HttpRequest)"/>).
    /// </summary>
    public const string Scheme = "Bearer";

    /// <summary>The API key handler itself.</summary>
    public const string KeyScheme = "ApiKey";

    public static void AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddSingleton<UnknownKeys>();
        // Every scheme here reads the Authorization header and nothing else: authentication runs only for requests that
        // carry it (CredentialedAuthentication). A credential from anywhere else would need that condition changed too.
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, null, o => o.ForwardDefaultSelector = http => ReaderTokens.LooksLikeToken(http.Request) ? ReaderTokens.Scheme : KeyScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(KeyScheme, null)
            .AddReaderTokens();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.ReadContent, p => p.RequireRole(Roles.Reader, Roles.Editor, Roles.Admin))
            .AddPolicy(Policies.WriteContent, p => p.RequireRole(Roles.Editor, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Moderate, p => p.RequireRole(Roles.Editor, Roles.Admin, Roles.Moderator))
            .AddPolicy(ReaderTokens.Policy, p => p.AddAuthenticationSchemes(ReaderTokens.Scheme).RequireAuthenticatedUser()
                .RequireClaim(ReaderTokens.ReaderIdClaim));
        services.AddSingleton<KnownReaders>();
        services.AddSingleton<ReaderStanding>();
    }

    /// <summary>Keys are random, so one SHA-256 is enough to make the stored hash useless to a thief.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string NewKey() => "hn_" + Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>Whether this could be a key <see cref="NewKey"/> made: "hn_" and 43 base64url characters (32 bytes).</summary>
    public static bool IsIssuedFormat(string key) => IssuedFormat().IsMatch(key);

    [System.Text.RegularExpressions.GeneratedRegex("^hn_[A-Za-z0-9_-]{43}$")]
    private static partial System.Text.RegularExpressions.Regex IssuedFormat();

    public static string? KeyId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>Who made a change, as revisions, corrections and the audit trail record it: key id and name, never the secret.</summary>
    public static Actor Actor(this ClaimsPrincipal user) => new(user.KeyId(), user.FindFirstValue(ClaimTypes.Name));
}

/// <summary>
/// Accepts "Authorization: Bearer &lt;key&gt;". A missing header leaves the caller anonymous; a malformed,
/// unknown or revoked key fails, and all three get the same 401 body so none can be told apart.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    IOptions<HeadlessNewsOptions> settings,
    IProblemDetailsService problems,
    UnknownKeys unknownKeys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private sealed record KeyRow(Guid Id, string Name, string Role, int? RequestsPerMinute);

    /// <summary>Set on a request refused a key lookup: how long until its client may look up an unknown key again.</summary>
    public const string UnknownKeysRetryAfter = "headlessnews:unknown-keys-retry-after";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
            return AuthenticateResult.NoResult();
        var value = header.ToString();
        if (header.Count != 1 || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("Malformed Authorization header.");
        var key = value["Bearer ".Length..].Trim();
        if (key.Length is 0 or > 200 || !TextIsPrintableAscii(key))
            return AuthenticateResult.Fail("Malformed key.");

        var hash = ApiKeyAuth.Hash(key);
        if (settings.Value.BootstrapAdminKey is { Length: > 0 } bootstrap
            && CryptographicOperations.FixedTimeEquals(hash, ApiKeyAuth.Hash(bootstrap)))
            return Success("bootstrap", "bootstrap admin key", Roles.Admin);
        // A key no one could have been issued is refused here: made-up keys cost no database lookup.
        if (!ApiKeyAuth.IsIssuedFormat(key))
            return AuthenticateResult.Fail("Unknown key.");

        // Unknown well-formed keys cost at most the client's allowance of lookups (UnknownKeys), which knows keys by
        // their hash in hex.
        var hashId = Convert.ToHexString(hash);
        if (unknownKeys.WasMissed(hashId))
            return AuthenticateResult.Fail("Unknown key.");
        var client = Context.Connection.RemoteIpAddress;
        var (may, retryAfter) = await unknownKeys.TryStartLookupAsync(client, hashId, Context.RequestAborted);
        if (!may)
        {
            Context.Items[UnknownKeysRetryAfter] = retryAfter;
            return AuthenticateResult.Fail("Too many unknown keys.");
        }

        await using var connection = dataSource.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            "select id, name, role, requests_per_minute from api_keys where key_hash = @hash and revoked_at is null",
            new { hash }, cancellationToken: Context.RequestAborted));
        if (row is null)
        {
            unknownKeys.Missed(hashId);
            return AuthenticateResult.Fail("Unknown key.");
        }
        await unknownKeys.FoundAsync(client, hashId, Context.RequestAborted);
        return Success(row.Id.ToString(), row.Name, row.Role, row.RequestsPerMinute);
    }

    private AuthenticateResult Success(string id, string name, string role, int? requestsPerMinute = null)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], Scheme.Name);
        if (requestsPerMinute is { } quota)
            identity.AddClaim(new Claim(Http.RateLimitMiddleware.KeyQuotaClaim, quota.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    private static bool TextIsPrintableAscii(string key) => key.All(c => c is > ' ' and < '\u007f');

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(401, "Unauthorized", "A valid API key is required in the Authorization header as 'Bearer <key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(403, "Forbidden", "This key's role may not perform this operation.");

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new()
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
