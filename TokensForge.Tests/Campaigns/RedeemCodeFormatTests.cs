using TokensForge.Core.Campaigns;

namespace TokensForge.Tests.Campaigns;

public sealed class RedeemCodeFormatTests
{
    [Fact]
    public void Generate_ManyCodes_AreCanonicalUnambiguousAndDistinct()
    {
        var codes = Enumerable.Range(0, 2000).Select(_ => RedeemCodeFormat.Generate()).ToList();

        Assert.All(codes, code =>
        {
            Assert.Matches("^TF-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", code);
            Assert.True(RedeemCodeFormat.IsCanonical(code));
            Assert.DoesNotContain(code[3..], c => "01ILOU".Contains(c));
        });
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    [Theory]
    [InlineData("TF-7K3M-Q9XD-2HWP")]
    [InlineData("tf-7k3m-q9xd-2hwp")]
    [InlineData("  TF 7K3M Q9XD 2HWP ")]
    [InlineData("tf7k3mq9xd2hwp")]
    [InlineData("7K3M-Q9XD-2HWP")]
    [InlineData("TF--7K3M--Q9XD-2HWP")]
    public void TryNormalize_CaseDashesAndSpaces_GiveTheCanonicalCode(string input)
    {
        Assert.True(RedeemCodeFormat.TryNormalize(input, out var code));
        Assert.Equal("TF-7K3M-Q9XD-2HWP", code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("TF-7K3M-Q9XD")]
    [InlineData("TF-7K3M-Q9XD-2HWPA")]
    [InlineData("TF-7K3M-Q9XD-2HW0")]
    [InlineData("TF-7K3M-Q9XD-2HWO")]
    [InlineData("XX-7K3M-Q9XD-2HWP")]
    public void TryNormalize_NotACode_IsRefused(string input)
    {
        Assert.False(RedeemCodeFormat.TryNormalize(input, out _));
    }
}
