using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Simulator;

/// <summary>
/// The app's own address for the simulator routes: <c>Simulator:BaseUrl</c> when set, otherwise the first address
/// the server listens on (read lazily, since the port is known only once the server runs), http preferred,
/// with wildcard hosts replaced by the loopback address.
/// </summary>
public sealed class ServerSelfAddress(IServer server, IOptions<SimulatorOptions> options) : ISelfAddress
{
    private Uri? _resolved;

    public Uri? BaseAddress => _resolved ??= Resolve();

    private Uri? Resolve()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.BaseUrl)) return new Uri(options.Value.BaseUrl.TrimEnd('/'));
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0) return null;
        var chosen = addresses.OrderBy(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 1 : 0).First();
        var normalized = chosen.Replace("://+:", "://127.0.0.1:").Replace("://*:", "://127.0.0.1:")
            .Replace("://[::]:", "://127.0.0.1:").Replace("://0.0.0.0:", "://127.0.0.1:");
        return Uri.TryCreate(normalized.TrimEnd('/'), UriKind.Absolute, out var uri) ? uri : null;
    }
}
