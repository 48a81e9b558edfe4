using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Routing;
using TokensForge.Web.Components.Shared;

namespace TokensForge.Tests.Components.Shared;

public sealed class SharedSelectsTests
{
    private static async Task<IReadOnlyList<string>> OpenAsync<T>(IRenderedComponent<MudPopoverProvider> popovers, IRenderedComponent<T> select, string testId)
        where T : IComponent
    {
        // The test id lands on the input, or on the text shown in its place once an item is chosen.
        await select.Find($"div.mud-input-control:has([data-testid={testId}])").MouseDownAsync(new());
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-list-item")));
        return popovers.FindAll(".mud-list-item").Select(i => i.TextContent.Trim()).ToList();
    }

    [Fact]
    public async Task RoutePreferenceSelect_OffersEveryPreferenceInWords_AndReportsTheChosenOne()
    {
        await using var ctx = PageTestContext.Create();
        var popovers = ctx.Render<MudPopoverProvider>();
        var chosen = new List<RoutePreference>();
        var select = ctx.Render<RoutePreferenceSelect>(p => p
            .Add(x => x.Value, RoutePreference.Auto)
            .Add(x => x.ValueChanged, EventCallback.Factory.Create<RoutePreference>(new object(), chosen.Add))
            .AddUnmatched("data-testid", "preference"));

        Assert.Equal("auto: cheapest route my balance can pay", select.Find("[role=combobox][data-testid=preference]").TextContent.Trim());
        var offered = await OpenAsync(popovers, select, "preference");

        Assert.Equal(["auto: cheapest route my balance can pay", "official direct routes only", "lower-cost routed routes only"], offered);
        Assert.Equal(Enum.GetValues<RoutePreference>().Select(RoutePreferenceSelect.Describe), offered);
        await popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "lower-cost routed routes only").ClickAsync(new());
        popovers.WaitForAssertion(() => Assert.Equal([RoutePreference.Routed], chosen));
    }

    [Fact]
    public async Task CampaignSelect_ListsTheCampaignsGiven_MarksADisabledOne_AndReportsTheChosenId()
    {
        var spring = new CampaignOption(Guid.CreateVersion7(), "Spring promo", CampaignKind.Promo, CampaignStatus.Active);
        var winter = new CampaignOption(Guid.CreateVersion7(), "Winter promo", CampaignKind.Promo, CampaignStatus.Disabled);
        await using var ctx = PageTestContext.Create();
        var popovers = ctx.Render<MudPopoverProvider>();
        var chosen = new List<Guid?>();
        var select = ctx.Render<CampaignSelect>(p => p
            .Add(x => x.Campaigns, new[] { spring, winter })
            .Add(x => x.ValueChanged, EventCallback.Factory.Create<Guid?>(new object(), chosen.Add))
            .AddUnmatched("data-testid", "campaign"));

        var offered = await OpenAsync(popovers, select, "campaign");

        Assert.Equal(["Spring promo", "Winter promo (disabled)"], offered);
        await popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "Winter promo (disabled)").ClickAsync(new());
        popovers.WaitForAssertion(() => Assert.Equal([winter.Id], chosen));
    }
}
