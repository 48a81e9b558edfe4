using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Core.Ledger;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

/// <summary>
/// Concurrent claims on a real file-backed SQLite database and, when <c>TF_PG</c> is set, on PostgreSQL: the
/// limits hold because the database enforces them, not because of timing.
/// </summary>
public sealed class ClaimRaceTests
{
    private const string NoPostgres = "TF_PG is not set: PostgreSQL race tests are skipped.";

    [Fact]
    public Task HundredUsersRaceForACodeOfTen_ExactlyTenWin_OnSqlite() => CodeRaceAsync(TestProvider.Sqlite);

    [SkippableFact]
    public Task HundredUsersRaceForACodeOfTen_ExactlyTenWin_OnPostgresWhenTfPgIsSet()
    {
        Skip.If(TestDatabase.PostgresServer is null, NoPostgres);
        return CodeRaceAsync(TestProvider.Postgres);
    }

    [Fact]
    public Task OneUserClaimsStarterTwentyTimesAtOnce_ExactlyOneClaim_OnSqlite() => StarterRaceAsync(TestProvider.Sqlite);

    [SkippableFact]
    public Task OneUserClaimsStarterTwentyTimesAtOnce_ExactlyOneClaim_OnPostgresWhenTfPgIsSet()
    {
        Skip.If(TestDatabase.PostgresServer is null, NoPostgres);
        return StarterRaceAsync(TestProvider.Postgres);
    }

    [Fact]
    public Task ThirtyUsersRaceForABudgetOfTenClaims_BudgetIsNeverOverdrawn_OnSqlite() => BudgetRaceAsync(TestProvider.Sqlite);

    [SkippableFact]
    public Task ThirtyUsersRaceForABudgetOfTenClaims_BudgetIsNeverOverdrawn_OnPostgresWhenTfPgIsSet()
    {
        Skip.If(TestDatabase.PostgresServer is null, NoPostgres);
        return BudgetRaceAsync(TestProvider.Postgres);
    }

    private static async Task<Result<RedemptionView>[]> RaceAsync(int count, Func<int, Task<Result<RedemptionView>>> claim)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await claim(i);
        })).ToList();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    private static async Task CodeRaceAsync(TestProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var (campaign, code) = await PromoCodeAsync(db, maxRedemptions: 10);
        var users = new List<string>();
        for (var i = 0; i < 100; i++) users.Add(await db.AddUserAsync());
        var claims = db.Get<ClaimService>();

        var results = await RaceAsync(100, i => claims.RedeemCodeAsync(users[i], code, $"10.0.{i / 50}.{i % 50}"));

        Assert.Equal(10, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal("code_exhausted", r.Error!.Code));
        await using var ctx = db.NewContext();
        Assert.Equal(10, await ctx.Redemptions.CountAsync(r => r.CampaignId == campaign.Id));
        Assert.Equal(10, await ctx.CreditGrants.CountAsync(g => g.Source == GrantSource.Campaign));
        Assert.Equal(10, await ctx.Transfers.CountAsync(t => t.Code == TransferCode.Redeem));
        Assert.Equal(10, await ctx.RedeemCodes.Where(c => c.Code == code).Select(c => c.RedemptionCount).SingleAsync());
        Assert.Equal(10, results.Where(r => r.Succeeded).Select(r => r.Value!.UserId).Distinct().Count());
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    private static async Task StarterRaceAsync(TestProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var campaign = await CreateAsync(db, Starter());
        var user = await db.AddUserAsync();
        var claims = db.Get<ClaimService>();

        var results = await RaceAsync(20, _ => claims.ClaimStarterAsync(user, null));

        Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal("already_claimed", r.Error!.Code));
        await using var ctx = db.NewContext();
        Assert.Equal(1, await ctx.Redemptions.CountAsync(r => r.CampaignId == campaign.Id));
        Assert.Equal(1, await ctx.CreditGrants.CountAsync(g => g.UserId == user));
        Assert.Equal(1, await ctx.Transfers.CountAsync(t => t.Code == TransferCode.Redeem));
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    private static async Task BudgetRaceAsync(TestProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var (campaign, code) = await PromoCodeAsync(db, Promo(amount: 1_000_000, budget: 10_000_000), maxRedemptions: 100);
        var users = new List<string>();
        for (var i = 0; i < 30; i++) users.Add(await db.AddUserAsync());
        var claims = db.Get<ClaimService>();

        var results = await RaceAsync(30, i => claims.RedeemCodeAsync(users[i], code, null));

        Assert.Equal(10, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal("campaign_budget_exhausted", r.Error!.Code));
        await using var ctx = db.NewContext();
        var account = await ctx.LedgerAccounts.SingleAsync(a => a.Id == campaign.FundingAccountId);
        Assert.True(account.DebitsMustNotExceedCredits);
        Assert.Equal((10_000_000L, 10_000_000L, 0L), (account.CreditsPosted, account.DebitsPosted, account.DebitsPending));
        Assert.Equal(10, await ctx.RedeemCodes.Where(c => c.Code == code).Select(c => c.RedemptionCount).SingleAsync());
        Assert.Equal(10, await ctx.Redemptions.CountAsync());
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }
}
