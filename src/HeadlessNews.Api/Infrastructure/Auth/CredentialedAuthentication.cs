using Microsoft.Net.Http.Headers;

namespace HeadlessNews.Api.Infrastructure.Auth;

internal static class CredentialedAuthentication
{
    // The key WebApplication looks for before it puts an authentication middleware of its own in front of the pipeline
    // (ASP.NET Core's WebApplicationBuilder and AuthAppBuilderExtensions name it so). CredentialedAuthenticationTests
    // fails if a later ASP.NET Core stops honouring it.
    private const string AuthenticationMiddlewareSet = "__AuthenticationMiddlewareSet";

    /// <summary>
    /// Authentication for the requests that carry an Authorization header, and none for the rest. Both schemes (API
    /// keys and reader tokens) read that header only, so without it they can only answer "no result", which leaves the
    /// caller anonymous, exactly as skipping them does; asking cost every anonymous read (most of the traffic) a scheme
    /// lookup, two handlers from the container and half a dozen tasks. A request with the header, well-formed or not,
    /// goes through authentication as before. Protected endpoints still turn anonymous callers away: the authorization
    /// middleware challenges through the default scheme (the API key handler's 401), and authenticates the schemes a
    /// policy names itself (the reader token policy).
    /// </summary>
    public static void UseAuthenticationOfCredentials(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Headers.ContainsKey(HeaderNames.Authorization), branch => branch.UseAuthentication());
        // The branch marks its own copy of the properties, so WebApplication would still add its own, unconditional one.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSet] = true;
    }
}
