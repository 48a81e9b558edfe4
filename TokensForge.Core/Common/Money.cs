using System.Globalization;

namespace TokensForge.Core.Common;

/// <summary>
/// Money is a <see cref="long"/> count of micro-units (µ) of the platform currency: 1 CNY = 1,000,000 µ.
/// Prices are µ per 1M tokens. Nothing here uses floating point.
/// </summary>
public static class Money
{
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>¥1.234567 trimmed to at least two decimals; the stored value is never rounded.</summary>
    public static string Format(long micros, string symbol = "¥")
    {
        var sign = micros < 0 ? "-" : "";
        var abs = micros == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(micros);
        var units = abs / MicrosPerUnit;
        var fraction = (abs % MicrosPerUnit).ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
        if (fraction.Length < 2) fraction = fraction.PadRight(2, '0');
        return $"{sign}{symbol}{units.ToString("N0", CultureInfo.InvariantCulture)}.{fraction}";
    }

    /// <summary>Decimal yuan as text for exports and the CLI, e.g. 12.5 → "12.500000".</summary>
    public static string ToDecimalString(long micros) =>
        (micros / (decimal)MicrosPerUnit).ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a positive amount in currency units ("12.50", "0.000001"). At most six decimals:
    /// a value that cannot be represented exactly in µ is refused rather than rounded.
    /// </summary>
    public static bool TryParseUnits(string? text, out long micros)
    {
        micros = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (!decimal.TryParse(text.Trim().TrimStart('¥'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return false;
        // Checked before scaling: a huge value would overflow decimal and throw instead of being refused.
        if (value <= 0 || value > long.MaxValue / (decimal)MicrosPerUnit) return false;
        var scaled = value * MicrosPerUnit;
        if (scaled != decimal.Truncate(scaled)) return false;
        micros = (long)scaled;
        return true;
    }

    /// <summary>Cost of <paramref name="tokens"/> at <paramref name="microsPerMillionTokens"/>, rounded up to the next µ.</summary>
    public static long CostOf(long tokens, long microsPerMillionTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(microsPerMillionTokens);
        var product = (Int128)tokens * microsPerMillionTokens;
        var cost = (product + 999_999) / 1_000_000;
        return checked((long)cost);
    }
}
