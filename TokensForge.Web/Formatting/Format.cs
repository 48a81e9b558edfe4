using System.Globalization;

namespace TokensForge.Web.Formatting;

/// <summary>
/// How the pages write times and money: UTC in invariant culture (a server in any locale writes the same text), money
/// through <see cref="Core.Common.Money"/>.
/// </summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>To the second, for ledger and receipt rows.</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Invariant);

    public static string Time(DateTime? utc) => utc is { } t ? Time(t) : "—";

    /// <summary>To the minute, for expiries, windows and creation dates.</summary>
    public static string Minute(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant);

    public static string Minute(DateTime? utc) => utc is { } t ? Minute(t) : "—";

    public static string Money(long micros) => Core.Common.Money.Format(micros);

    /// <summary>Money with its direction: "+¥5.00" in, "-¥0.01" out.</summary>
    public static string SignedMoney(long micros) => (micros > 0 ? "+" : "") + Core.Common.Money.Format(micros);
}
