using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Alerts;

/// <summary>
/// Delivers alert webhooks on the sweep timer: each due delivery is claimed by a conditional update (so one instance
/// sends it), POSTed with its signature (<see cref="WebhookSignature"/>), and on anything but a 2xx retried after
/// <see cref="AlertOptions.FirstRetry"/>, doubling each time, until <see cref="AlertOptions.MaxAttempts"/>.
/// </summary>
public sealed class WebhookSender : IPeriodicSweep, IDisposable
{
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(5);
    private readonly IDbContextFactory<AppDbContext> _contexts;
    private readonly AlertService _alerts;
    private readonly TimeProvider _time;
    private readonly AlertOptions _options;
    private readonly HttpClient _http;

    public WebhookSender(IDbContextFactory<AppDbContext> contexts, AlertService alerts, TimeProvider time, IOptions<AlertOptions> options)
    {
        _contexts = contexts;
        _alerts = alerts;
        _time = time;
        _options = options.Value;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
        }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Name => "alert webhooks";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        List<WebhookDelivery> due;
        Dictionary<string, string?> secrets;
        await using (var db = await _contexts.CreateDbContextAsync(ct))
        {
            due = await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.DeliveredAt == null && d.NextAttemptAt != null && d.NextAttemptAt <= now)
                .OrderBy(d => d.NextAttemptAt).Take(50).ToListAsync(ct);
            var users = due.Select(d => d.UserId).Distinct().ToList();
            secrets = await db.AlertSettings.AsNoTracking().Where(s => users.Contains(s.UserId)).ToDictionaryAsync(s => s.UserId, s => s.ProtectedWebhookSecret, ct);
        }
        var delivered = 0;
        foreach (var delivery in due)
        {
            if (!await ClaimAsync(delivery, now, ct)) continue;
            var (status, error) = secrets.GetValueOrDefault(delivery.UserId) is { } secret
                ? await SendAsync(delivery, _alerts.Unprotect(secret), ct)
                : (null, "The webhook has no secret any more (it was removed).");
            await RecordAsync(delivery, status, error, ct);
            if (status is >= 200 and < 300) delivered++;
        }
        return delivered;
    }

    private async Task<bool> ClaimAsync(WebhookDelivery delivery, DateTime now, CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var seen = delivery.NextAttemptAt;
        return await db.WebhookDeliveries.Where(d => d.NoticeId == delivery.NoticeId && d.DeliveredAt == null && d.NextAttemptAt == seen)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, now + Claim), ct) == 1;
    }

    private async Task<(int? Status, string? Error)> SendAsync(WebhookDelivery delivery, string secret, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, delivery.Payload, _time.GetUtcNow()));
        request.Headers.Add(WebhookSignature.EventIdHeader, delivery.EventId);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            return (status, status is >= 200 and < 300 ? null : $"The webhook answered {status}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return (null, ex.InnerException?.Message ?? ex.Message);
        }
    }

    private async Task RecordAsync(WebhookDelivery delivery, int? status, string? error, CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var attempts = delivery.Attempts + 1;
        var ok = status is >= 200 and < 300;
        DateTime? next = ok || attempts >= _options.MaxAttempts ? null : now + _options.FirstRetry * Math.Pow(2, attempts - 1);
        await using var db = await _contexts.CreateDbContextAsync(ct);
        await db.WebhookDeliveries.Where(d => d.NoticeId == delivery.NoticeId).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Attempts, attempts)
            .SetProperty(d => d.DeliveredAt, ok ? now : null)
            .SetProperty(d => d.NextAttemptAt, next)
            .SetProperty(d => d.LastStatus, status)
            .SetProperty(d => d.LastError, error == null ? null : error.Length > 500 ? error.Substring(0, 500) : error), ct);
    }

    /// <summary>Connects only to public addresses unless <see cref="AlertOptions.AllowPrivateTargets"/>: a webhook must not reach the gateway's neighbours.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
        if (!_options.AllowPrivateTargets && addresses.Any(IsPrivate))
            throw new HttpRequestException($"The webhook host {context.DnsEndPoint.Host} resolves to a private address; only public addresses are called.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] == 0;
    }

    public void Dispose() => _http.Dispose();
}
