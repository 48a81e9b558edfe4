using Microsoft.Extensions.Options;

namespace TokensForge.Core.Budgets;

/// <summary>The calendar windows budgets reset on: days, ISO weeks (from Monday) and months, at local midnight of <see cref="BudgetOptions.TimeZone"/>.</summary>
public sealed class BudgetCalendar(IOptions<BudgetOptions> options)
{
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    public string ZoneId => _zone.Id;

    /// <summary>The UTC start of the window of <paramref name="period"/> that contains <paramref name="utc"/>.</summary>
    public DateTime StartOf(BudgetPeriod period, DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone).Date;
        var first = period switch
        {
            BudgetPeriod.Day => local,
            BudgetPeriod.Week => local.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            BudgetPeriod.Month => new DateTime(local.Year, local.Month, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(period)),
        };
        return ToUtc(first);
    }

    /// <summary>The UTC instant the window containing <paramref name="utc"/> ends and the next one starts.</summary>
    public DateTime ResetAfter(BudgetPeriod period, DateTime utc)
    {
        var start = TimeZoneInfo.ConvertTimeFromUtc(StartOf(period, utc), _zone);
        var next = period switch
        {
            BudgetPeriod.Day => start.AddDays(1),
            BudgetPeriod.Week => start.AddDays(7),
            _ => start.AddMonths(1),
        };
        return ToUtc(next.Date);
    }

    /// <summary>The reset as the budget's owner reads it, in the budget time zone.</summary>
    public string Describe(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)
        + " " + _zone.Id;

    private DateTime ToUtc(DateTime localMidnight)
    {
        var unspecified = DateTime.SpecifyKind(localMidnight, DateTimeKind.Unspecified);
        // Where a clock change skips midnight, the day starts at the first minute that exists.
        while (_zone.IsInvalidTime(unspecified)) unspecified = unspecified.AddMinutes(30);
        return TimeZoneInfo.ConvertTimeToUtc(unspecified, _zone);
    }
}
