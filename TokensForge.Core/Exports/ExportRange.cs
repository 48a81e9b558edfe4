using System.Globalization;
using TokensForge.Core.Common;

namespace TokensForge.Core.Exports;

/// <summary>
/// A half-open UTC time range [<see cref="From"/>, <see cref="To"/>) of an export. A date without a time means the
/// whole day: <c>--from 2026-06-01 --to 2026-06-30</c> covers June up to and including the 30th.
/// </summary>
public readonly record struct ExportRange(DateTime From, DateTime To)
{
    public static readonly Error InvalidRange = new("invalid_range", "Give a start and an end as dates (2026-06-01) or UTC times (2026-06-01T08:00:00Z), the start before the end.");

    public static Result<ExportRange> Parse(string? from, string? to)
    {
        if (ParseBound(from, endOfDay: false) is not { } start || ParseBound(to, endOfDay: true) is not { } end || end <= start) return InvalidRange;
        return new ExportRange(start, end);
    }

    /// <summary>Whole days from <paramref name="firstDay"/> to <paramref name="lastDay"/>, both included.</summary>
    public static ExportRange Days(DateOnly firstDay, DateOnly lastDay) =>
        new(firstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), lastDay.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    public bool Contains(DateTime time) => time >= From && time < To;

    /// <summary>For file names: <c>2026-06-01_2026-06-30</c> (the last day included).</summary>
    public string Label
    {
        get
        {
            var last = To.TimeOfDay == TimeSpan.Zero && To > From ? To.AddDays(-1) : To;
            return $"{From:yyyy-MM-dd}_{last:yyyy-MM-dd}";
        }
    }

    private static DateTime? ParseBound(string? text, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return (endOfDay ? day.AddDays(1) : day).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return time.UtcDateTime;
        return null;
    }
}
