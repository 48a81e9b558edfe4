using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;

namespace TokensForge.Tests.Playground;

public sealed class HoldPreviewerTests
{
    private static readonly RouteCandidate Routed = Route("routed-a", RouteKind.Routed, 1_000_000, 2_000_000);
    private static readonly RouteCandidate Official = Route("official-a", RouteKind.Official, 2_000_000, 4_000_000);
    private static readonly CatalogModel Model = new("m", "M", ModelKind.Chat, 1_000, "test", DateTime.UnixEpoch, [Official, Routed]);
    private static readonly HoldPreviewer Previewer = new(new TokenCounter(), Options.Create(new GatewayOptions { DefaultMaxOutputTokens = 100 }));

    private static RouteCandidate Route(string name, RouteKind kind, long input, long output) =>
        new(Guid.NewGuid(), name, kind, "http://x", null, "m", 100, 1, TimeSpan.FromSeconds(5), false, new Prices(Guid.NewGuid(), input, output, input / 2));

    private static WalletCapacity Wallet(long starter = 0, long official = 0) => new(
    [
        new BucketCapacity(Bucket.Official, "Official Credit", true, true, official),
        new BucketCapacity(Bucket.Starter, "Starter balance", false, true, starter),
    ]);

    private static ChatDraft Draft(int? maxTokens) => new("m", null, [new ChatTurn(ChatTurn.User, "hello there")], MaxTokens: maxTokens);

    [Fact]
    public void Preview_MatchesTheGatewaysWorstCase_OnTheCheapestPayableRoute()
    {
        var request = Draft(50).ToRequest();
        var prompt = new TokenCounter().CountPrompt(request);

        var preview = Previewer.Preview(Model, RoutePreference.Auto, request, Wallet(starter: 1_000_000));

        Assert.True(preview.CanPay);
        Assert.Equal(prompt, preview.PromptTokens);
        Assert.Equal(50, preview.MaxOutputTokens);
        Assert.Equal("routed-a", preview.Chosen!.Route.RouteName);
        Assert.Equal(Routed.Prices.WorstCase(prompt, 50), preview.WorstCase);
        Assert.Equal(1_000_000, preview.Chosen.Available);
    }

    [Fact]
    public void Preview_InAPriceGroup_HoldsAtTheGroupsPrices_AsTheGatewayDoes()
    {
        var request = Draft(50).ToRequest();
        var prompt = new TokenCounter().CountPrompt(request);
        var tier = new Core.PriceGroups.PriceTier("resellers", RoutedMultiplier: 15_000, OfficialMultiplier: 10_000);
        var listWorst = Routed.Prices.WorstCase(prompt, 50);
        var groupWorst = tier.Apply(Routed).Prices.WorstCase(prompt, 50);

        var preview = Previewer.Preview(Model, RoutePreference.Routed, request, Wallet(starter: groupWorst), tier);
        var justShort = Previewer.Preview(Model, RoutePreference.Routed, request, Wallet(starter: groupWorst - 1), tier);

        Assert.True(groupWorst > listWorst);
        Assert.Equal(groupWorst, preview.WorstCase);
        Assert.True(preview.CanPay);
        // Enough at list prices, not at the group's: the preview says so, as the hold would.
        Assert.True(groupWorst - 1 >= listWorst);
        Assert.False(justShort.CanPay);
    }

    [Fact]
    public void Preview_NoMaxTokens_HoldsTheGatewayDefault()
    {
        var preview = Previewer.Preview(Model, RoutePreference.Auto, Draft(null).ToRequest(), Wallet(starter: 1_000_000));

        Assert.Equal(100, preview.MaxOutputTokens);
    }

    [Fact]
    public void Preview_StarterOnly_CannotPayAnOfficialPreference()
    {
        var preview = Previewer.Preview(Model, RoutePreference.Official, Draft(50).ToRequest(), Wallet(starter: 1_000_000));

        Assert.False(preview.CanPay);
        Assert.Equal("official-a", Assert.Single(preview.Routes).Route.RouteName);
        Assert.Equal(0, preview.Routes[0].Available);
        Assert.True(preview.WorstCase > 0);
    }

    [Fact]
    public void Preview_TooLittleBalance_CannotPay()
    {
        var request = Draft(50).ToRequest();
        var worst = Routed.Prices.WorstCase(new TokenCounter().CountPrompt(request), 50);

        Assert.False(Previewer.Preview(Model, RoutePreference.Routed, request, Wallet(starter: worst - 1)).CanPay);
        Assert.True(Previewer.Preview(Model, RoutePreference.Routed, request, Wallet(starter: worst)).CanPay);
    }

    [Fact]
    public void Preview_OfficialCredit_PaysTheRoutedRouteWhenItIsCheaper()
    {
        var preview = Previewer.Preview(Model, RoutePreference.Auto, Draft(50).ToRequest(), Wallet(official: 1_000_000));

        Assert.Equal(RouteKind.Routed, preview.Chosen!.Route.Kind);
        Assert.Equal("Official Credit", Assert.Single(Wallet(official: 1).Paying(RouteKind.Routed)).Name);
    }

    [Fact]
    public void Preview_OutputBeyondTheContextWindow_IsTooLong()
    {
        var preview = Previewer.Preview(Model, RoutePreference.Auto, Draft(5_000).ToRequest(), Wallet(official: long.MaxValue / 4));

        Assert.True(preview.TooLong);
        Assert.False(preview.CanPay);
    }
}
