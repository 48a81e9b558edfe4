using System.Buffers.Binary;
using System.Text.Json;

namespace TokensForge.Core.Gateway;

/// <summary>
/// What an image part of a chat prompt weighs, by OpenAI's vision accounting: 85 tokens at <c>detail: low</c>; otherwise
/// the image is scaled down to fit 2048×2048, then so its short side is at most 768, and each 512-pixel tile costs 170
/// tokens on top of the 85. The size is read from the header of an inline image (PNG, JPEG, GIF, WebP); an image the
/// gateway cannot see (a URL, an unknown format) is weighed at the largest a high-detail image can be, so the hold
/// still covers it.
/// </summary>
public static class ImageTokens
{
    public const int Base = 85;
    public const int PerTile = 170;

    /// <summary>The most a high-detail image can weigh: 768×2048 after scaling, eight tiles.</summary>
    public const int Largest = Base + 8 * PerTile;

    /// <summary>Header bytes read from an inline image: enough for a JPEG whose frame header follows its metadata.</summary>
    private const int HeaderBytes = 256 * 1024;

    public static int Of(JsonElement part)
    {
        if (!part.TryGetProperty("image_url", out var image)) return Largest;
        var (url, detail) = image.ValueKind switch
        {
            JsonValueKind.String => (image.GetString(), null),
            JsonValueKind.Object => (image.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null,
                image.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null),
            _ => (null, null),
        };
        if (detail == "low") return Base;
        return SizeOf(url) is var (width, height) ? ForSize(width, height) : Largest;
    }

    /// <summary>High-detail tokens of a <paramref name="width"/>×<paramref name="height"/> image.</summary>
    public static int ForSize(int width, int height)
    {
        if (width <= 0 || height <= 0) return Largest;
        double w = width, h = height;
        var fit = Math.Min(1, 2048 / Math.Max(w, h));
        (w, h) = (w * fit, h * fit);
        var shortSide = Math.Min(1, 768 / Math.Min(w, h));
        (w, h) = (w * shortSide, h * shortSide);
        var tiles = (int)Math.Ceiling(w / 512) * (int)Math.Ceiling(h / 512);
        return Base + PerTile * tiles;
    }

    /// <summary>The size in an inline <c>data:image/…;base64,</c> URL's header; null when it cannot be read.</summary>
    internal static (int Width, int Height)? SizeOf(string? url)
    {
        if (url is null || !url.StartsWith("data:", StringComparison.OrdinalIgnoreCase)) return null;
        var comma = url.IndexOf(',');
        if (comma < 0 || !url.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase)) return null;
        var encoded = url.AsSpan(comma + 1);
        var take = Math.Min(encoded.Length, HeaderBytes / 3 * 4) & ~3;
        var bytes = new byte[take / 4 * 3];
        if (!Convert.TryFromBase64Chars(encoded[..take], bytes, out var written)) return null;
        return Read(bytes.AsSpan(0, written));
    }

    private static (int, int)? Read(ReadOnlySpan<byte> b)
    {
        // PNG: the IHDR chunk comes first.
        if (b.Length >= 24 && b[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            return ((int)BinaryPrimitives.ReadUInt32BigEndian(b[16..]), (int)BinaryPrimitives.ReadUInt32BigEndian(b[20..]));
        // GIF: the logical screen size.
        if (b.Length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F')
            return (BinaryPrimitives.ReadUInt16LittleEndian(b[6..]), BinaryPrimitives.ReadUInt16LittleEndian(b[8..]));
        // WebP: lossy (VP8), lossless (VP8L) or extended (VP8X).
        if (b.Length >= 30 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8))
        {
            var chunk = b[12..16];
            if (chunk.SequenceEqual("VP8 "u8)) return (BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3FFF);
            if (chunk.SequenceEqual("VP8L"u8))
            {
                var bits = BinaryPrimitives.ReadUInt32LittleEndian(b[21..]);
                return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
            }
            if (chunk.SequenceEqual("VP8X"u8)) return ((b[24] | b[25] << 8 | b[26] << 16) + 1, (b[27] | b[28] << 8 | b[29] << 16) + 1);
            return null;
        }
        // JPEG: walk the segments to the first frame header (SOF0–SOF15 but DHT, JPG and DAC).
        if (b.Length >= 4 && b[0] == 0xFF && b[1] == 0xD8)
        {
            var i = 2;
            while (i + 9 < b.Length)
            {
                if (b[i] != 0xFF) return null;
                var marker = b[i + 1];
                if (marker == 0xFF) { i++; continue; }
                var length = BinaryPrimitives.ReadUInt16BigEndian(b[(i + 2)..]);
                if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                    return (BinaryPrimitives.ReadUInt16BigEndian(b[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(i + 5)..]));
                i += 2 + length;
            }
        }
        return null;
    }
}
