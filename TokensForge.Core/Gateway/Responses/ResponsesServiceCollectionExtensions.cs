using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Gateway.Responses;

public static class ResponsesServiceCollectionExtensions
{
    /// <summary>The Responses API front door and its store of responses.</summary>
    public static IServiceCollection AddResponses(this IServiceCollection services)
    {
        services.AddOptions<ResponsesOptions>().BindConfiguration(ResponsesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ResponseStore>();
        services.AddSingleton<ResponsesGateway>();
        return services;
    }
}
