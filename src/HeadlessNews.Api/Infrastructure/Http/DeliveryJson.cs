using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Serialization code generated at build time for the most read delivery answers. Written through the generated code,
/// an article page skips the serializer's per-property metadata walk (2-3% of its CPU, measured on the bench archive).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(ArticlePage))]
[JsonSerializable(typeof(ArticleList))]
internal sealed partial class DeliveryJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The generated writer for the value's type, or null: for other types, and when the app's options differ from
    /// the Web defaults the generated code was built for (it would then write different JSON).
    /// </summary>
    public static JsonTypeInfo? For(Type type, JsonSerializerOptions appOptions) =>
        MatchesWebDefaults(appOptions) ? Default.GetTypeInfo(type) : null;

    private static bool MatchesWebDefaults(JsonSerializerOptions o) =>
        o.PropertyNamingPolicy == JsonNamingPolicy.CamelCase && o.DictionaryKeyPolicy is null && o.Converters.Count == 0
        && o.DefaultIgnoreCondition == JsonIgnoreCondition.Never && !o.IgnoreReadOnlyProperties && !o.IgnoreReadOnlyFields
        && !o.IncludeFields && o.NumberHandling == JsonNumberHandling.AllowReadingFromString
        && o.ReferenceHandler is null && o.UnknownTypeHandling == JsonUnknownTypeHandling.JsonElement;
}
