using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TokensForge.Core.Alerts;

/// <summary>
/// The signature on every alert webhook, <c>X-TokensForge-Signature: t=UNIX,v1=HEX</c>: HMAC-SHA256 with the user's
/// webhook secret over <c>t + "." + body</c>. A receiver checks it and that <c>t</c> is recent, which makes a captured
/// delivery useless to replay later; the event id (<c>X-TokensForge-Event-Id</c>, also in the body) tells a retry apart.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-TokensForge-Signature";
    public const string EventIdHeader = "X-TokensForge-Event-Id";

    public static string Sign(string secret, string body, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Compute(secret, t, body)}";
    }

    /// <summary>Whether <paramref name="header"/> signs <paramref name="body"/> with <paramref name="secret"/> within <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? header, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (header is null) return false;
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1)) return false;
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var unix)) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > tolerance) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(secret, t, body)), Encoding.ASCII.GetBytes(v1));
    }

    private static string Compute(string secret, string t, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body)));
}
