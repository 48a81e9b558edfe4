using System.Globalization;
using TokensForge.Core.Common;
using TokensForge.Web.Formatting;

namespace TokensForge.Tests.Components.Formatting;

public sealed class FormatTests
{
    [Fact]
    public void TimesAndAmounts_ReadTheSameInAnyCulture_AndAmountsParseBackExactly()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            // A culture with other digits, separators and calendar must not leak into the pages.
            CultureInfo.CurrentCulture = new CultureInfo("ar-SA");
            var at = new DateTime(2026, 12, 3, 9, 5, 7, DateTimeKind.Utc);
            Assert.Equal("2026-12-03 09:05:07 UTC", Format.Time(at));
            Assert.Equal("2026-12-03 09:05 UTC", Format.Minute(at));
            Assert.Equal("—", Format.Minute(null));
            Assert.Equal("¥50.00", Format.Money(50_000_000));
            Assert.Equal("+¥5.00", Format.SignedMoney(5_000_000));
            Assert.Equal("-¥0.000123", Format.SignedMoney(-123));
            foreach (var micros in new[] { 50_000_000L, 123, 1_234_567_890 })
            {
                Assert.True(Money.TryParseUnits(Format.Amount(micros), out var parsed), Format.Amount(micros));
                Assert.Equal(micros, parsed);
            }
            Assert.Equal("50.00", Format.Amount(50_000_000));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
