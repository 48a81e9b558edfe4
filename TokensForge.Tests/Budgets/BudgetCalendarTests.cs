using Microsoft.Extensions.Options;
using TokensForge.Core.Budgets;

namespace TokensForge.Tests.Budgets;

public sealed class BudgetCalendarTests
{
    private static readonly BudgetCalendar Shanghai = new(Options.Create(new BudgetOptions { TimeZone = "Asia/Shanghai" }));

    [Theory]
    // 23:59:59.9999999 in Shanghai on Thursday 2026-12-03 is still that day, week and month.
    [InlineData("2026-12-03T15:59:59.9999999Z", BudgetPeriod.Day, "2026-12-02T16:00:00Z", "2026-12-03T16:00:00Z")]
    [InlineData("2026-12-03T15:59:59.9999999Z", BudgetPeriod.Week, "2026-11-29T16:00:00Z", "2026-12-06T16:00:00Z")]
    [InlineData("2026-12-03T15:59:59.9999999Z", BudgetPeriod.Month, "2026-11-30T16:00:00Z", "2026-12-31T16:00:00Z")]
    // The first tick of Friday there starts a new day; the week (from Monday) and month go on.
    [InlineData("2026-12-03T16:00:00Z", BudgetPeriod.Day, "2026-12-03T16:00:00Z", "2026-12-04T16:00:00Z")]
    [InlineData("2026-12-03T16:00:00Z", BudgetPeriod.Week, "2026-11-29T16:00:00Z", "2026-12-06T16:00:00Z")]
    // New Year in Shanghai is 16:00 UTC on the 31st.
    [InlineData("2026-12-31T16:00:00Z", BudgetPeriod.Month, "2026-12-31T16:00:00Z", "2027-01-31T16:00:00Z")]
    [InlineData("2026-12-31T16:00:00Z", BudgetPeriod.Week, "2026-12-27T16:00:00Z", "2027-01-03T16:00:00Z")]
    public void Windows_StartAtLocalMidnight_OfTheDay_TheMonday_TheFirstOfTheMonth(string at, BudgetPeriod period, string start, string reset)
    {
        var utc = DateTime.Parse(at, null, System.Globalization.DateTimeStyles.AdjustToUniversal);

        Assert.Equal(DateTime.Parse(start, null, System.Globalization.DateTimeStyles.AdjustToUniversal), Shanghai.StartOf(period, utc));
        Assert.Equal(DateTime.Parse(reset, null, System.Globalization.DateTimeStyles.AdjustToUniversal), Shanghai.ResetAfter(period, utc));
        Assert.Equal(DateTimeKind.Utc, Shanghai.StartOf(period, utc).Kind);
    }

    [Fact]
    public void AResetIsDescribedInTheBudgetTimeZone()
    {
        Assert.Equal("2026-12-04 00:00 Asia/Shanghai", Shanghai.Describe(new DateTime(2026, 12, 3, 16, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void AWindowWhoseMidnightAClockChangeSkips_StartsAtTheFirstMinuteThatExists()
    {
        // Santiago skips 00:00–01:00 on the first Sunday of September.
        var santiago = new BudgetCalendar(Options.Create(new BudgetOptions { TimeZone = "America/Santiago" }));
        var start = santiago.StartOf(BudgetPeriod.Day, new DateTime(2026, 9, 6, 12, 0, 0, DateTimeKind.Utc));

        Assert.Equal(new DateTime(2026, 9, 6, 4, 0, 0, DateTimeKind.Utc), start);
    }
}
