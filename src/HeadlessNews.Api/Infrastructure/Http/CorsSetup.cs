using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.ResponseCompression;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Cross-origin rules: the delivery API is for any front end (HeadlessNews:Cors:DeliveryOrigins, default any
/// origin); the management API is not cross-origin unless HeadlessNews:Cors:ManagementOrigins lists origins.
/// Also response compression (Brotli, then gzip).
/// </summary>
internal static class CorsSetup
{
    public const string Delivery = "delivery";
    public const string Management = "management";
    /// <summary>Signed-in readers' writes (comments): the delivery origins, with the methods and headers writes need.</summary>
    public const string Readers = "readers";

    public static void AddCorsAndCompression(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IConfiguration>((cors, config) =>
        {
            var deliveryOrigins = config.GetSection("HeadlessNews:Cors:DeliveryOrigins").Get<string[]>() ?? [];
            cors.AddPolicy(Delivery, policy =>
            {
                if (deliveryOrigins.Length == 0 || deliveryOrigins.Contains("*"))
                    policy.AllowAnyOrigin();
                else
                    policy.WithOrigins(deliveryOrigins);
                policy.WithMethods("GET", "HEAD")
                    .WithHeaders("Authorization", "If-None-Match", "If-Modified-Since")
                    .WithExposedHeaders("ETag", "Last-Modified", "Link", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
                    .SetPreflightMaxAge(TimeSpan.FromHours(1));
            });

            cors.AddPolicy(Readers, policy =>
            {
                if (deliveryOrigins.Length == 0 || deliveryOrigins.Contains("*"))
                    policy.AllowAnyOrigin();
                else
                    policy.WithOrigins(deliveryOrigins);
                policy.WithMethods("GET", "HEAD", "POST", "PUT", "DELETE")
                    .WithHeaders("Authorization", "Content-Type", "If-Match", "If-None-Match")
                    .WithExposedHeaders("ETag", "Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
                    .SetPreflightMaxAge(TimeSpan.FromHours(1));
            });

            var managementOrigins = config.GetSection("HeadlessNews:Cors:ManagementOrigins").Get<string[]>() ?? [];
            cors.AddPolicy(Management, policy => policy
                .WithOrigins(managementOrigins)
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "If-Match", "Idempotency-Key")
                .WithExposedHeaders("ETag", "Location", "Retry-After", "Idempotent-Replayed", "Idempotent-Secret-Withheld", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
                .SetPreflightMaxAge(TimeSpan.FromHours(1)));
        });

        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/problem+json", "application/rss+xml", "application/atom+xml", "application/feed+json", "application/x-ndjson"]);
        });
        services.AddSingleton<IResponseCompressionProvider, StrongValidatorCompressionProvider>();
    }

    /// <summary>
    /// A strong ETag (an article's version) names exact bytes: compressed bytes under it would be another representation
    /// with the same strong validator (RFC 9110 8.8.1), so those answers go out as they are. They are single articles.
    /// </summary>
    private sealed class StrongValidatorCompressionProvider(IServiceProvider services, Microsoft.Extensions.Options.IOptions<ResponseCompressionOptions> options)
        : ResponseCompressionProvider(services, options)
    {
        public override bool ShouldCompressResponse(HttpContext context)
        {
            var etag = context.Response.Headers.ETag.ToString();
            return (etag.Length == 0 || etag.StartsWith("W/", StringComparison.Ordinal)) && base.ShouldCompressResponse(context);
        }
    }
}
