using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Infrastructure.Http;

internal static class HttpConventions
{
    public static void AddHttpConventions(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(o => Configure(o.SerializerOptions));

        // Binding failures (bad JSON, wrong content type, unparsable query values) become exceptions that
        // ProblemDetailsExceptionHandler turns into problem responses instead of bare 400s.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();

        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        ValidatorOptions.Global.LanguageManager.Enabled = false;
        // Singletons: a validator holds only its rules (FluentValidation's validators are thread-safe), so each
        // request does not build its rule set again; the one validator with a dependency takes a singleton.
        builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);

        builder.WebHost.ConfigureKestrel((ctx, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = ctx.Configuration.GetValue(
                $"{HeadlessNewsOptions.Section}:{nameof(HeadlessNewsOptions.MaxRequestBodyBytes)}", new HeadlessNewsOptions().MaxRequestBodyBytes));
    }

    /// <summary>Strict JSON: a member we do not know, a duplicate member or a null where a value is required is an error, never ignored.</summary>
    public static void Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.AllowDuplicateProperties = false;
        o.RespectNullableAnnotations = true;
        o.RespectRequiredConstructorParameters = true;
    }

    public static void UseHttpConventions(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestGuard>();
        // Management answers carry drafts and secrets: no shared or browser cache may keep them.
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(ManagementRequests.Prefix))
                context.Response.Headers.CacheControl = "private, no-store";
            return next(context);
        });
    }
}
