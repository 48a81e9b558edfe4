using Refit;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// An OpenAI-compatible upstream, through a source-generated Refit client. Calls return the raw
/// <see cref="HttpResponseMessage"/> so the gateway sees the headers first and streams the body without
/// buffering it; the route's base URL and connect timeout travel in request options, applied by <see cref="UpstreamAddressHandler"/>
/// and <see cref="UpstreamConnector"/>.
/// </summary>
public interface IOpenAiUpstream
{
    [Post("/chat/completions")]
    Task<HttpResponseMessage> CreateChatCompletionAsync([Body] ChatCompletionRequest request,
        [Header("Authorization")] string? authorization, [Property(UpstreamAddressHandler.BaseUrlOption)] string baseUrl,
        [Property(UpstreamConnector.ConnectTimeoutOption)] TimeSpan connectTimeout, CancellationToken ct);

    /// <summary>The Responses API, for routes that speak it natively; the body is built as JSON by <see cref="ResponsesUpstream"/>.</summary>
    [Post("/responses")]
    Task<HttpResponseMessage> CreateResponseAsync([Body] HttpContent request,
        [Header("Authorization")] string? authorization, [Property(UpstreamAddressHandler.BaseUrlOption)] string baseUrl,
        [Property(UpstreamConnector.ConnectTimeoutOption)] TimeSpan connectTimeout, CancellationToken ct);

    [Post("/embeddings")]
    Task<HttpResponseMessage> CreateEmbeddingAsync([Body] EmbeddingRequest request,
        [Header("Authorization")] string? authorization, [Property(UpstreamAddressHandler.BaseUrlOption)] string baseUrl,
        [Property(UpstreamConnector.ConnectTimeoutOption)] TimeSpan connectTimeout, CancellationToken ct);
}
