using TokensForge.Core.Common;

namespace TokensForge.Tests.Common;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(0L, "¥0.00")]
    [InlineData(1L, "¥0.000001")]
    [InlineData(10L, "¥0.00001")]
    [InlineData(1_000_000L, "¥1.00")]
    [InlineData(1_500_000L, "¥1.50")]
    [InlineData(1_230_000L, "¥1.23")]
    [InlineData(1_234_500L, "¥1.2345")]
    [InlineData(1_234_567L, "¥1.234567")]
    [InlineData(1_234_000_000L, "¥1,234.00")]
    [InlineData(-1_500_000L, "-¥1.50")]
    [InlineData(-1L, "-¥0.000001")]
    [InlineData(long.MaxValue, "¥9,223,372,036,854.775807")]
    [InlineData(long.MinValue, "-¥9,223,372,036,854.775808")]
    public void Format_TrimsToAtLeastTwoDecimals_WithoutRounding(long micros, string expected) =>
        Assert.Equal(expected, Money.Format(micros));

    [Fact]
    public void Format_OtherSymbol_IsUsed() => Assert.Equal("$2.05", Money.Format(2_050_000, "$"));

    [Theory]
    [InlineData("12.50", 12_500_000L)]
    [InlineData("12.5", 12_500_000L)]
    [InlineData("3", 3_000_000L)]
    [InlineData("0.000001", 1L)]
    [InlineData("1.234567", 1_234_567L)]
    [InlineData("¥7.25", 7_250_000L)]
    [InlineData(" 8.000001 ", 8_000_001L)]
    [InlineData("9223372036854.775807", long.MaxValue)]
    public void TryParseUnits_ExactAmount_IsParsed(string text, long expected)
    {
        Assert.True(Money.TryParseUnits(text, out var micros));
        Assert.Equal(expected, micros);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("1.0000001")]
    [InlineData("0.0000005")]
    [InlineData("12.3456789")]
    [InlineData("-1")]
    [InlineData("-0.5")]
    [InlineData("0")]
    [InlineData("0.000000")]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData("9223372036854.775808")]
    [InlineData("99999999999999999999999999999")]
    [InlineData("79228162514264337593543950")]
    public void TryParseUnits_InexactNegativeOrMalformed_IsRefused(string? text)
    {
        Assert.False(Money.TryParseUnits(text, out var micros));
        Assert.Equal(0, micros);
    }

    [Theory]
    [InlineData(0L, 5_000_000L, 0L)]
    [InlineData(1L, 1L, 1L)]
    [InlineData(1L, 999_999L, 1L)]
    [InlineData(3L, 333_333L, 1L)]
    [InlineData(1_000_000L, 2_000_000L, 2_000_000L)]
    [InlineData(1_000_001L, 1_000_000L, 1_000_001L)]
    [InlineData(1_000_001L, 1L, 2L)]
    [InlineData(1_500L, 2_500_000L, 3_750L)]
    [InlineData(1_501L, 2_500_000L, 3_753L)]
    [InlineData(7L, 0L, 0L)]
    public void CostOf_RoundsUpToTheNextMicro(long tokens, long price, long expected) =>
        Assert.Equal(expected, Money.CostOf(tokens, price));

    [Fact]
    public void CostOf_RoundsEachComponentSeparately_SoTheSumExceedsOneRoundedTotal()
    {
        // 1 prompt token and 1 completion token at 1 µ per 1M tokens: each part rounds up to 1 µ.
        var perComponent = Money.CostOf(1, 1) + Money.CostOf(1, 1);

        Assert.Equal(2, perComponent);
        Assert.Equal(1, Money.CostOf(2, 1));
    }

    [Fact]
    public void CostOf_NegativeInputs_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.CostOf(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.CostOf(1, -1));
    }

    [Fact]
    public void CostOf_ResultBeyondLong_ThrowsInsteadOfWrapping() =>
        Assert.Throws<OverflowException>(() => Money.CostOf(long.MaxValue, 2_000_000));
}
