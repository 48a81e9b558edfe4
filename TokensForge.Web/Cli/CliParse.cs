using System.Globalization;

namespace TokensForge.Web.Cli;

/// <summary>The one way the CLI reads money and times from its options; bad input is a <see cref="CliException"/>.</summary>
public static class CliParse
{
    /// <summary>A positive amount in currency units with at most six decimals (<c>12.50</c>), in µ.</summary>
    public static long Amount(CliArguments args, string name) => ParseAmount(args.Required(name), name);

    public static long? OptionalAmount(CliArguments args, string name) => args.Option(name) is { } text ? ParseAmount(text, name) : null;

    /// <summary>A date and time, UTC unless it says otherwise (<c>2027-01-01T00:00:00Z</c>, <c>2027-01-01</c>); <paramref name="code"/> names a bad one.</summary>
    public static DateTime? OptionalTime(CliArguments args, string name, string code)
    {
        if (args.Option(name) is not { } text) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            throw new CliException(code, $"'{text}' is not a date and time such as 2027-01-01T00:00:00Z.");
        return parsed.UtcDateTime;
    }

    /// <summary>A whole number, or null when the option is absent; the use case judges its range.</summary>
    public static int? OptionalNumber(CliArguments args, string name, string code)
    {
        if (args.Option(name) is not { } text) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliException(code, $"'{text}' is not a whole number for --{name}.");
    }

    /// <summary>One of an enum's names, case ignored (<c>--kind promo</c>); <paramref name="code"/> names a bad one.</summary>
    public static TEnum? OptionalChoice<TEnum>(CliArguments args, string name, string code) where TEnum : struct, Enum
    {
        if (args.Option(name) is not { } text) return null;
        // Names only: Enum.TryParse also takes numbers, which would let "--kind 7" through.
        if (Enum.GetNames<TEnum>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is { } match) return Enum.Parse<TEnum>(match);
        throw new CliException(code,
            $"'{text}' is not a valid --{name}; use {string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}.");
    }

    /// <summary>The time printed by every command: ISO 8601 in UTC.</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static long ParseAmount(string text, string name) => TokensForge.Core.Common.Money.TryParseUnits(text, out var micros)
        ? micros
        : throw new CliException("invalid_amount", $"'{text}' is not a positive amount for --{name} with at most six decimals, e.g. 12.50.");
}
