using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TokensForge.Core.TopUps;

/// <summary>
/// The signature of payment webhooks: <c>sha256=</c> + hex HMAC-SHA256 of <c>"{timestamp}." + body</c> with the shared
/// secret, where timestamp is Unix seconds sent in <see cref="TimestampHeader"/>. Signing the timestamp makes an old
/// event useless to replay once it is outside the tolerance.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-Signature-Timestamp";
    public const string SignatureHeader = "X-Signature";
    private const string Scheme = "sha256=";

    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Scheme + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    /// <summary>Constant-time comparison, so the check leaks nothing about how much of a forged signature matched.</summary>
    public static bool Matches(string secret, long timestamp, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrEmpty(signature)) return false;
        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp, body));
        var given = Encoding.ASCII.GetBytes(signature.Trim());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}

/// <summary>Ids derived from an order, so that crediting or refunding it twice names the same ledger transfer.</summary>
internal static class TopUpIds
{
    public static Guid CreditTransfer(Guid orderId) => Derive("topup-credit", orderId);
    public static Guid RefundTransfer(Guid orderId) => Derive("topup-refund", orderId);

    private static Guid Derive(string purpose, Guid orderId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}:{orderId:N}"), hash);
        var bytes = hash[..16];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // RFC 9562 version 8 (custom), in Guid's little-endian layout
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes);
    }
}
