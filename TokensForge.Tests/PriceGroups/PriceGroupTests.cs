using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Exports;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.PriceGroups;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Components;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Routes;

namespace TokensForge.Tests.PriceGroups;

/// <summary>
/// Price groups: a member pays the listed price times the group's multiplier for the route kind, on the hold and the
/// charge alike; the receipt keeps the base snapshot beside the multiplier, and the ledger and the reconciliation agree.
/// </summary>
public sealed class PriceGroupTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const string Prompt = "[sim:fill] Tell me about rivers.";
    private const int MaxTokens = 60;
    private static readonly AdminActor Admin = new(TokensForgeApp.AdminEmail, "127.0.0.1");
    private GatewayHost Host => fixture.Host;

    private (int PromptTokens, Prices Listed) Priced() => SimulatorPrices.Of(Host, "gpt-4o-mini", RouteKind.Routed, Prompt);

    private static Task<HttpResponseMessage> ChatAsync(HttpClient client) =>
        client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", max_tokens = MaxTokens, messages = new[] { new { role = "user", content = Prompt } } });

    private async Task<RequestRecord> ReceiptAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        await using var db = Host.NewContext();
        return await db.RequestRecords.AsNoTracking().Include(r => r.Charges).SingleAsync(r => r.Id == id);
    }

    [Fact]
    public async Task AMemberPaysTheMultiplier_OnHoldAndCharge_TheReceiptShowsBaseAndMultiplier_TheReconciliationAgrees_AChangeAppliesAtOnce()
    {
        var name = "VIP " + Guid.NewGuid().ToString("N")[..6];
        var groups = Host.Get<PriceGroupService>();
        var group = (await groups.SaveAsync(null, name, 9_000, 10_000, Admin)).Value;
        var (userId, email) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId, new Core.ApiKeys.ApiKeyPolicy(RoutePreference: RoutePreference.Routed));
        using var client = Host.Client(key.Secret);
        var (promptTokens, listed) = Priced();

        var before = await ReceiptAsync(await ChatAsync(client));
        Assert.True((await groups.AssignAsync(email, group, Admin)).Succeeded);
        var member = await ReceiptAsync(await ChatAsync(client));

        Assert.Equal((PriceGroup.OneTimes, (string?)null), (before.PriceMultiplier, before.PriceGroup));
        Assert.Equal(listed.CostOf(promptTokens, MaxTokens), before.Cost);
        var vip = new PriceTier(name, 9_000, 10_000).Apply(Route(listed)).Prices;
        Assert.Equal((9_000, name), (member.PriceMultiplier, member.PriceGroup));
        Assert.Equal(vip.CostOf(promptTokens, MaxTokens), member.Cost);
        Assert.Equal(vip.WorstCase(promptTokens, MaxTokens), member.HoldAmount);
        Assert.True(member.Cost < before.Cost);
        Assert.Equal(before.PriceSnapshotId, member.PriceSnapshotId);
        Assert.Equal(member.Cost, member.Charges.Sum(c => c.Amount));

        // The receipt page shows the snapshot's prices and what was charged.
        var detail = (await Host.Get<ReceiptQueries>().GetAsync(member.Id, userId))!;
        Assert.Equal((9_000, name), (detail.PriceMultiplier, detail.PriceGroup));
        Assert.Equal(listed.Input, detail.Price!.InputPrice);
        // And GET /v1/receipts/{id} says the same: the snapshot, the group, its multiplier and the prices charged.
        var api = JsonDocument.Parse(await client.GetStringAsync($"v1/receipts/{member.Id}")).RootElement;
        Assert.Equal(listed.Input, api.GetProperty("price_snapshot").GetProperty("input_per_million").GetInt64());
        var priced = api.GetProperty("price_group");
        Assert.Equal((name, 9_000, vip.Input, vip.Output), (priced.GetProperty("name").GetString(), priced.GetProperty("multiplier").GetInt32(),
            priced.GetProperty("input_per_million").GetInt64(), priced.GetProperty("output_per_million").GetInt64()));

        // The group is changed: this instance applies it to the next request at once.
        Assert.True((await groups.SaveAsync(group, name, 5_000, 10_000, Admin)).Succeeded);
        var halved = await ReceiptAsync(await ChatAsync(client));
        Assert.Equal(new PriceTier(name, 5_000, 10_000).Apply(Route(listed)).Prices.CostOf(promptTokens, MaxTokens), halved.Cost);

        // The ledger charged exactly what the receipts say.
        var range = new ExportRange(before.CreatedAt.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        var report = await Host.Get<ReconciliationService>().BuildAsync(range);
        Assert.True(report.Ok);
        var charged = report.Lines.Where(l => l.UserId == userId).Sum(l => l.DebitChargeRouted + l.DebitChargeOfficial);
        Assert.Equal(before.Cost + member.Cost + halved.Cost, charged);
        var verification = await Host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));

        await using var db = Host.NewContext();
        var actions = await db.AuditEvents.Where(e => (e.Target == $"price_group:{name}" || e.Target == $"user:{email}") && e.Action.StartsWith("price_group.")).Select(e => e.Action).ToListAsync();
        Assert.Equal(["price_group.create", "price_group.assign", "price_group.update"], actions);
    }

    [Fact]
    public async Task ThePlayground_PricesAMemberTheSameWay()
    {
        var name = "Team " + Guid.NewGuid().ToString("N")[..6];
        var groups = Host.Get<PriceGroupService>();
        var group = (await groups.SaveAsync(null, name, 8_000, 10_000, Admin)).Value;
        var (userId, email) = await Host.AddUserAsync(("routed", 5_000_000));
        Assert.True((await groups.AssignAsync(email, group, Admin)).Succeeded);
        var (promptTokens, listed) = Priced();
        var request = new ChatCompletionRequest
        {
            Model = "gpt-4o-mini", MaxTokens = MaxTokens, Messages = [new ChatMessage { Role = "user", Content = JsonSerializer.SerializeToElement(Prompt) }],
        };

        var result = await Host.Get<GatewayPipeline>().ChatAsync(GatewayCaller.Playground(userId, RoutePreference.Routed, "req_" + Guid.NewGuid().ToString("N")), request, null, default);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(new PriceTier(name, 8_000, 10_000).Apply(Route(listed)).Prices.CostOf(promptTokens, MaxTokens), result.Cost);
    }

    [Fact]
    public async Task ThePage_CreatesAGroup_RefusesABadMultiplier_AndPutsAUserInIt()
    {
        var (_, email) = await Host.AddUserAsync();
        var name = "Partners " + Guid.NewGuid().ToString("N")[..6];
        await using var ctx = PageTestContext.Create(Host.App.Services, TokensForgeApp.AdminEmail, null, Core.Users.Roles.Admin);
        var page = ctx.Render<PriceGroupsPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=group-form]"));

        page.Find("[data-testid=group-name] input").Input(name);
        page.Find("[data-testid=group-routed] input").Input("lots");
        page.Find("[data-testid=save-group]").Click();
        page.WaitForAssertion(() => Assert.Contains("between 0.1× and 10×", page.Find("[data-testid=group-error]").TextContent));

        page.Find("[data-testid=group-routed] input").Input("0.85");
        page.Find("[data-testid=save-group]").Click();
        page.WaitForAssertion(() => Assert.Contains(name, page.Find("[data-testid=groups]").TextContent));
        Assert.Contains("0.85×", page.Find("[data-testid=groups]").TextContent);

        var group = (await Host.Get<PriceGroupService>().ListAsync()).Single(g => g.Name == name);
        Assert.Equal((8_500, 10_000), (group.RoutedMultiplier, group.OfficialMultiplier));
        Assert.True((await Host.Get<PriceGroupService>().AssignAsync(email, group.Id, Admin)).Succeeded);
        Assert.Equal(1, (await Host.Get<PriceGroupService>().ListAsync()).Single(g => g.Name == name).Members);
    }

    private static RouteCandidate Route(Prices prices) => new(Guid.Empty, "x", RouteKind.Routed, "http://x", null, "x", 0, 1, TimeSpan.FromSeconds(1), false, prices);
}
