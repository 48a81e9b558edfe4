namespace TokensForge.Core.Upstreams;

/// <summary>The address this app serves on, for upstreams that are the app itself (the simulator).</summary>
public interface ISelfAddress
{
    /// <summary>An absolute http(s) URL without a trailing slash, or null while the server has no address yet.</summary>
    Uri? BaseAddress { get; }
}

/// <summary>
/// Points each upstream request at its route: the route's base URL plus the operation path. A relative base
/// URL (<c>/sim/v1</c>) is resolved against <see cref="ISelfAddress"/>, lazily, because the listening port is
/// only known once the server runs.
/// </summary>
public sealed class UpstreamAddressHandler(ISelfAddress self) : DelegatingHandler
{
    public const string BaseUrlOption = "tf-upstream-base-url";
    private static readonly HttpRequestOptionsKey<string> Key = new(BaseUrlOption);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Key, out var baseUrl) && request.RequestUri is { } uri)
            request.RequestUri = Resolve(baseUrl, uri.PathAndQuery);
        return base.SendAsync(request, cancellationToken);
    }

    public Uri Resolve(string baseUrl, string pathAndQuery)
    {
        var root = baseUrl.StartsWith('/')
            ? (self.BaseAddress ?? throw new InvalidOperationException("The app's own address is not known yet, so the simulator cannot be reached.")).ToString().TrimEnd('/') + baseUrl
            : baseUrl;
        return new Uri(root.TrimEnd('/') + pathAndQuery);
    }
}
