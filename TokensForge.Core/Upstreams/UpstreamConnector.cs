using System.Net.Sockets;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// Opens upstream connections with the route's own connect timeout. The timeout travels on the request that
/// needs the connection (<see cref="ConnectTimeoutOption"/>); a connection that takes longer fails like any
/// connection error, before the first byte, so the gateway may try the next route.
/// </summary>
public static class UpstreamConnector
{
    public const string ConnectTimeoutOption = "tf-upstream-connect-timeout";
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly HttpRequestOptionsKey<TimeSpan> Key = new(ConnectTimeoutOption);

    /// <summary>The handler every upstream call goes through: pooled connections, per-route connect timeouts.</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = ConnectAsync,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    };

    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var timeout = context.InitialRequestMessage.Options.TryGetValue(Key, out var configured) && configured > TimeSpan.Zero ? configured : DefaultConnectTimeout;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, limit.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {context.DnsEndPoint.Host}:{context.DnsEndPoint.Port} took longer than the route's connect timeout ({timeout.TotalSeconds:0.#} s).");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
