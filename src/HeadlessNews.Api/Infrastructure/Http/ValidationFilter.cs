using System.Text.Json;
using FluentValidation;

namespace HeadlessNews.Api.Infrastructure.Http;

internal static class ValidationFilter
{
    /// <summary>
    /// Runs the FluentValidation validator of every handler parameter that has one, and answers 400 with
    /// per-field problem details before the handler runs. Endpoints with nothing to validate get no filter.
    /// </summary>
    public static TBuilder WithValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory((factoryContext, next) =>
        {
            var isService = factoryContext.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            var validated = factoryContext.MethodInfo.GetParameters()
                .Select((parameter, index) => (Index: index, ValidatorType: typeof(IValidator<>).MakeGenericType(parameter.ParameterType)))
                .Where(p => isService.IsService(p.ValidatorType))
                .ToArray();
            if (validated.Length == 0)
                return next;

            return async invocation =>
            {
                foreach (var (index, validatorType) in validated)
                {
                    if (invocation.Arguments[index] is not { } argument)
                        continue;
                    var validator = (IValidator)invocation.HttpContext.RequestServices.GetRequiredService(validatorType);
                    var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                    if (!result.IsValid)
                        return TypedResults.ValidationProblem(ToErrors(result.Errors));
                }
                return await next(invocation);
            };
        });
        builder.Add(endpoint => endpoint.Metadata.Add(new ProducesResponseTypeMetadata(
            StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails), ["application/problem+json"])));
        return builder;
    }

    public static Dictionary<string, string[]> ToErrors(IEnumerable<FluentValidation.Results.ValidationFailure> failures) =>
        failures.GroupBy(f => FieldName(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());

    // "Sources[0].Url" -> "sources[0].url", matching the JSON the client sent.
    public static string FieldName(string propertyPath) =>
        string.Join('.', propertyPath.Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName));
}
