using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>Money through the gateway: holds never overdraw, receipts equal their charges, buckets and key limits are obeyed.</summary>
public sealed class GatewayMoneyTests
{
    private const int MaxTokens = 50;
    private const string Prompt = "[sim:fill] Count to fifty.";

    /// <summary>
    /// What the test request holds and costs: the simulator answers exactly max_tokens with the whole prompt uncached, so the
    /// cost is the worst case less the rounding slack the hold keeps for a prompt split across cached and uncached prices.
    /// </summary>
    internal static (long Worst, long Cost) Priced(GatewayHost host, string model, RouteKind kind)
    {
        var (promptTokens, prices) = SimulatorPrices.Of(host, model, kind, Prompt);
        return (prices.WorstCase(promptTokens, MaxTokens), prices.CostOf(promptTokens, MaxTokens));
    }

    internal static Task<HttpResponseMessage> FillAsync(HttpClient client, string model = "gpt-4o-mini") =>
        client.PostAsJsonAsync("v1/chat/completions", new { model, max_tokens = MaxTokens, messages = new[] { new { role = "user", content = Prompt } } });

    [Fact]
    public Task HundredParallelRequests_WalletPaysExactly37_NeverOverdrawn_Sqlite() => HundredParallelAsync(GatewayHost.Start());

    [SkippableFact]
    public async Task HundredParallelRequests_WalletPaysExactly37_NeverOverdrawn_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await HundredParallelAsync(await GatewayHost.StartOnPostgresAsync());
    }

    private static async Task HundredParallelAsync(GatewayHost started)
    {
        await using var host = started;
        var (worst, cost) = Priced(host, "gpt-4o-mini", RouteKind.Routed);
        var (userId, _) = await host.AddUserAsync(("routed", 37 * worst));
        var key = await host.CreateKeyAsync(userId);
        using var client = host.Client(key.Secret);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => FillAsync(client)));

        Assert.Equal(37, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(63, responses.Count(r => r.StatusCode == HttpStatusCode.PaymentRequired));
        await using var db = host.NewContext();
        var receipts = await db.RequestRecords.Include(r => r.Charges).Where(r => r.UserId == userId).ToListAsync();
        var succeeded = receipts.Where(r => r.Status == RequestStatus.Succeeded).ToList();
        Assert.Equal(37, succeeded.Count);
        Assert.All(succeeded, r => Assert.Equal(cost, r.Cost));
        var charges = await db.Transfers.Where(t => t.Flags == TransferFlags.PostPending && t.Code == TransferCode.Charge)
            .GroupBy(t => t.Reference).Select(g => new { Reference = g.Key, Amount = g.Sum(t => t.Amount) }).ToListAsync();
        Assert.Equal(37, charges.Count);
        Assert.All(succeeded, r => Assert.Equal(r.Cost, charges.Single(c => c.Reference == r.Id.ToString()).Amount));
        Assert.All(succeeded, r => Assert.Equal(r.Cost, r.Charges.Sum(c => c.Amount)));
        Assert.Equal(63, receipts.Count(r => r.Status == RequestStatus.Failed && r.Reason == ReceiptReasons.InsufficientBalance && r.Cost == 0));
        var account = await db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.Account).SingleAsync();
        Assert.Equal(37 * cost, account.DebitsPosted);
        Assert.Equal(0, account.DebitsPending);
        // What 37 holds returned unspent, less than one more worst case.
        Assert.Equal(37 * (worst - cost), account.CreditsPosted - account.DebitsPosted);
        var verification = await host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task RoutedOnlyBalance_CannotPayOfficialRoute_ButPaysRouted()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("routed", 1_000_000), ("starter", 1_000_000));
        var official = await host.CreateKeyAsync(userId, new ApiKeyPolicy(RoutePreference: RoutePreference.Official));
        var auto = await host.CreateKeyAsync(userId, new ApiKeyPolicy(RoutePreference: RoutePreference.Auto));

        var refused = await FillAsync(host.Client(official.Secret));
        var paid = await FillAsync(host.Client(auto.Secret));

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        await using var db = host.NewContext();
        var refusedRecord = await db.RequestRecords.SingleAsync(r => r.Id == Guid.Parse(refused.Headers.GetValues("x-tokensforge-receipt").Single()));
        var paidRecord = await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == Guid.Parse(paid.Headers.GetValues("x-tokensforge-receipt").Single()));
        Assert.Equal(RouteKind.Official, refusedRecord.RouteKind);
        Assert.Equal(RequestStatus.Failed, refusedRecord.Status);
        Assert.Equal(RouteKind.Routed, paidRecord.RouteKind);
        Assert.All(paidRecord.Charges, c => Assert.Contains(c.BucketKey, new[] { "routed", "starter" }));
        Assert.Equal(paidRecord.Cost, paidRecord.Charges.Sum(c => c.Amount));
        Assert.Equal(0, await db.Transfers.CountAsync(t => t.Reference == refusedRecord.Id.ToString()));
    }

    [Fact]
    public async Task OfficialCredit_PaysTheOfficialRoute()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("official", 1_000_000));
        var key = await host.CreateKeyAsync(userId, new ApiKeyPolicy(RoutePreference: RoutePreference.Official));

        var response = await FillAsync(host.Client(key.Secret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = host.NewContext();
        var record = await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));
        Assert.Equal(RouteKind.Official, record.RouteKind);
        Assert.Equal(Priced(host, "gpt-4o-mini", RouteKind.Official).Cost, record.Cost);
        Assert.Equal("official", Assert.Single(record.Charges).BucketKey);
        var revenue = await db.LedgerAccounts.SingleAsync(a => a.Id == SystemAccounts.RevenueOfficialId);
        Assert.Equal(record.Cost, revenue.CreditsPosted);
    }

    [Fact]
    public async Task KeySpendLimit_StopsTheKey_OtherKeysOfTheWalletGoOn()
    {
        await using var host = GatewayHost.Start();
        var (worst, cost) = Priced(host, "gpt-4o-mini", RouteKind.Routed);
        var (userId, _) = await host.AddUserAsync(("routed", 100 * worst));
        var limited = await host.CreateKeyAsync(userId, new ApiKeyPolicy(SpendLimit: 2 * worst + worst / 2));
        var unlimited = await host.CreateKeyAsync(userId);
        using var client = host.Client(limited.Secret);

        var first = await FillAsync(client);
        var second = await FillAsync(client);
        var third = await FillAsync(client);
        var other = await FillAsync(host.Client(unlimited.Secret));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.PaymentRequired, third.StatusCode);
        Assert.Contains("key_spend_limit_reached", await third.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        await using var db = host.NewContext();
        var key = await db.ApiKeys.SingleAsync(k => k.Id == limited.Key.Id);
        Assert.Equal(2 * cost, key.Spent);
        Assert.Equal(0, key.SpendReserved);
        var thirdRecord = await db.RequestRecords.SingleAsync(r => r.Id == Guid.Parse(third.Headers.GetValues("x-tokensforge-receipt").Single()));
        Assert.Equal(ReceiptReasons.SpendLimitReached, thirdRecord.Reason);
        var verification = await host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task RequestDrawingOnTwoGrants_ReceiptListsEachPart()
    {
        await using var host = GatewayHost.Start();
        var (worst, cost) = Priced(host, "gpt-4o-mini", RouteKind.Routed);
        var (userId, _) = await host.AddUserAsync(("starter", worst / 2), ("routed", 10 * worst));
        var key = await host.CreateKeyAsync(userId);

        var response = await FillAsync(host.Client(key.Secret));
        var receipt = await host.Client(key.Secret).GetFromJsonAsync<JsonElement>($"v1/receipts/{response.Headers.GetValues("x-tokensforge-receipt").Single()}");

        var parts = receipt.GetProperty("paid_by").EnumerateArray().Select(p => (Bucket: p.GetProperty("bucket").GetString(), Amount: p.GetProperty("amount").GetInt64())).ToList();
        Assert.Equal([("starter", worst / 2), ("routed", cost - worst / 2)], parts);
        Assert.Equal(cost, receipt.GetProperty("cost").GetInt64());
    }
}
