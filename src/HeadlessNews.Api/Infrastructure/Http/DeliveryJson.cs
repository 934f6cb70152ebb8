using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Serialization code generated at build time for the most read delivery answers. Written through the generated code,
/// an article page skips the serializer's per-property metadata walk (2-3% of its CPU, measured on the bench archive).
/// It is called directly (DeliveryCacheFilter.Build): put in the app's resolver chain instead, the serializer kept its
/// metadata path and nothing was gained.
/// </summary>
// The write side of the app's options (HttpConventions.Configure): a null in a member declared non-nullable is an error.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Serialization,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ArticlePage))]
[JsonSerializable(typeof(ArticleList))]
internal sealed partial class DeliveryJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The generated writer for the value's type, or null: for other types, and when the app's options write differently
    /// from those the generated code was built for (DeliveryJsonTests holds the two paths to the same bytes).
    /// </summary>
    public static JsonTypeInfo? For(Type type, JsonSerializerOptions appOptions) =>
        WritesLikeGenerated(appOptions) && ReflectionDecides(appOptions, type) ? Default.GetTypeInfo(type) : null;

    // Every option that changes what is written, except those the writer itself carries (encoder, indentation, depth).
    private static bool WritesLikeGenerated(JsonSerializerOptions o)
    {
        var g = Default.Options;
        return o.PropertyNamingPolicy == g.PropertyNamingPolicy && o.DictionaryKeyPolicy == g.DictionaryKeyPolicy
            && o.DefaultIgnoreCondition == g.DefaultIgnoreCondition && o.IgnoreReadOnlyProperties == g.IgnoreReadOnlyProperties
            && o.IgnoreReadOnlyFields == g.IgnoreReadOnlyFields && o.IncludeFields == g.IncludeFields
            && o.NumberHandling == g.NumberHandling && o.ReferenceHandler == g.ReferenceHandler
            && o.UnknownTypeHandling == g.UnknownTypeHandling && o.RespectNullableAnnotations == g.RespectNullableAnnotations
            && o.Converters.Count == 0;
    }

    // Whose contract the app's serializer would use for the type: the plain reflection resolver's, after contexts that do
    // not know the type (ASP.NET Core puts its problem details context first). A resolver with modifiers, or a context that
    // knows the type, could write it differently.
    private static bool ReflectionDecides(JsonSerializerOptions o, Type type)
    {
        foreach (var resolver in o.TypeInfoResolverChain)
        {
            if (resolver is DefaultJsonTypeInfoResolver { Modifiers.Count: 0 })
                return true;
            if (resolver is not JsonSerializerContext context || context.GetTypeInfo(type) is not null)
                return false;
        }
        return false;
    }
}
