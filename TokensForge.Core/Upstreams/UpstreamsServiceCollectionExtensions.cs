using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Refit;

namespace TokensForge.Core.Upstreams;

public static class UpstreamsServiceCollectionExtensions
{
    /// <summary>The Refit client for OpenAI-compatible upstreams: source-generated, no timeout of its own (phases time out per route), no retries.</summary>
    public static IServiceCollection AddUpstreams(this IServiceCollection services)
    {
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ISelfAddress, ConfiguredSelfAddress>();
        services.AddTransient<UpstreamAddressHandler>();
        services.AddRefitGeneratedClient<IOpenAiUpstream>(OpenAiJsonContext.Default)
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = new Uri("http://upstream.invalid");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(UpstreamConnector.CreateHandler)
            .AddHttpMessageHandler<UpstreamAddressHandler>()
            // Every attempt is on the request's receipt (route, status, latency); the factory's two log lines per call
            // would only repeat it, on the hot path.
            .RemoveAllLoggers();
        services.AddRefitGeneratedClient<IAnthropicUpstream>(Gateway.Messages.MessagesJsonContext.Default)
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = new Uri("http://upstream.invalid");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(UpstreamConnector.CreateHandler)
            .AddHttpMessageHandler<UpstreamAddressHandler>()
            .RemoveAllLoggers();
        services.AddSingleton<UpstreamCall>();
        services.AddSingleton<AnthropicUpstream>();
        services.AddSingleton<ResponsesUpstream>();
        services.AddSingleton<ChatUpstream>();
        services.AddSingleton<EmbeddingUpstream>();
        return services;
    }
}
