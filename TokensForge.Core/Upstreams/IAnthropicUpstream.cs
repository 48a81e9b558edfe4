using Refit;
using TokensForge.Core.Gateway.Messages;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// An upstream that speaks Anthropic's Messages API (a route with protocol <c>Anthropic</c>), through a source-generated
/// Refit client: the key goes as <c>x-api-key</c>, never as a Bearer token. As for <see cref="IOpenAiUpstream"/>, the raw
/// response comes back so the body streams unbuffered, and the route's base URL (…/v1) and connect timeout ride in
/// request options.
/// </summary>
public interface IAnthropicUpstream
{
    [Post("/messages")]
    Task<HttpResponseMessage> CreateMessageAsync([Body] MessagesRequest request,
        [Header("x-api-key")] string? apiKey, [Header("anthropic-version")] string version,
        [Property(UpstreamAddressHandler.BaseUrlOption)] string baseUrl,
        [Property(UpstreamConnector.ConnectTimeoutOption)] TimeSpan connectTimeout, CancellationToken ct);
}
