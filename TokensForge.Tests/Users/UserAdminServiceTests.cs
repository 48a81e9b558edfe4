using System.Data.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Users;

public sealed class UserAdminServiceTests
{
    private static readonly AdminActor Actor = new("boss@test.local", "203.0.113.7");

    private static async Task<TestDatabase> DatabaseAsync(TestProvider provider, bool groupCommit = true)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        var db = await TestDatabase.CreateAsync(provider, s => s.Configure<DatabaseOptions>(o => o.GroupCommit = groupCommit));
        // The web host creates the roles at start-up; a bare database has none.
        await using var context = db.NewContext();
        foreach (var role in Roles.All) context.Roles.Add(new IdentityRole(role) { NormalizedName = role.ToUpperInvariant() });
        await context.SaveChangesAsync();
        return db;
    }

    private static async Task<string> AddUserAsync(TestDatabase db, string email, params string[] roles)
    {
        var id = await db.AddUserAsync(email);
        await using var context = db.NewContext();
        foreach (var role in roles.Append(Roles.User))
        {
            var roleId = await context.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleAsync();
            context.UserRoles.Add(new IdentityUserRole<string> { UserId = id, RoleId = roleId });
        }
        await context.SaveChangesAsync();
        return id;
    }

    private static async Task<List<AuditEvent>> AuditAsync(TestDatabase db)
    {
        await using var context = db.NewContext();
        return await context.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();
    }

    private static async Task<long> StampAsync(TestDatabase db)
    {
        await using var context = db.NewContext();
        return await context.ChangeStamps.Where(s => s.Area == ChangeArea.Keys).Select(s => s.Version).SingleAsync();
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SetRoles_GivesFinance_AndAuditsTheChangeWithBeforeAndAfter(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var userId = await AddUserAsync(db, "pat@test.local");

        var result = await db.Get<UserAdminService>().SetRolesAsync(userId, [Roles.Finance], Actor);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal([Roles.Finance, Roles.User], (await db.Get<UserAdminQueries>().GetAsync(userId))!.Roles);
        var e = Assert.Single(await AuditAsync(db));
        Assert.Equal(("boss@test.local", "role.change", "user:pat@test.local", "203.0.113.7"), (e.Actor, e.Action, e.Target, e.Ip));
        Assert.Equal("""{"roles":["User"]}""", e.BeforeJson);
        Assert.Equal("""{"roles":["Finance","User"]}""", e.AfterJson);
        Assert.True((await db.Get<AuditVerifier>().VerifyAsync()).Ok);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SetRoles_TakingAdminFromTheLastEnabledAdmin_IsRefusedAndWritesNothing(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var onlyAdmin = await AddUserAsync(db, "root@test.local", Roles.Admin);
        var service = db.Get<UserAdminService>();

        var refused = await service.SetRolesAsync(onlyAdmin, [], Actor);
        var unknown = await service.SetRolesAsync(onlyAdmin, ["Owner"], Actor);
        var self = await service.SetRolesAsync(onlyAdmin, [], Actor with { Name = "ROOT@test.local" });

        Assert.Equal(UserAdminErrors.LastAdmin, refused.Error);
        Assert.Equal(UserAdminErrors.RoleUnknown, unknown.Error);
        Assert.Equal(UserAdminErrors.NotYourself, self.Error);
        Assert.Contains(Roles.Admin, (await db.Get<UserAdminQueries>().GetAsync(onlyAdmin))!.Roles);
        Assert.Empty(await AuditAsync(db));

        // With a second admin, the first can step down.
        await AddUserAsync(db, "second@test.local", Roles.Admin);
        Assert.True((await service.SetRolesAsync(onlyAdmin, [], Actor)).Succeeded);
        Assert.Equal([Roles.User], (await db.Get<UserAdminQueries>().GetAsync(onlyAdmin))!.Roles);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task ConcurrentDemotionsOrDisablings_OfTheLastTwoAdmins_AlwaysLeaveOneEnabledAdmin(TestProvider provider)
    {
        // Without group commit each change runs in a transaction of its own, as on two instances: nothing in the
        // process lines them up, so only the database can keep the last admin.
        await using var db = await DatabaseAsync(provider, groupCommit: false);
        var service = db.Get<UserAdminService>();
        for (var round = 0; round < 10; round++)
        {
            var a = await AddUserAsync(db, $"a{round}@test.local", Roles.Admin);
            var b = await AddUserAsync(db, $"b{round}@test.local", Roles.Admin);
            await using (var context = db.NewContext())
            {
                // Exactly two enabled admins start each round: the survivor of the last round steps down.
                var adminRole = await context.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).SingleAsync();
                await context.UserRoles.Where(ur => ur.RoleId == adminRole && ur.UserId != a && ur.UserId != b).ExecuteDeleteAsync();
            }

            // Even rounds: both demoted at once; odd rounds: one disabled while the other is demoted.
            Task<string?> Demote(string id) => Task.Run(async () => (await service.SetRolesAsync(id, [], Actor)).Error?.Code);
            Task<string?> Disable(string id) => Task.Run(async () => (await service.DisableAsync(id, Actor)).Error?.Code);
            var outcomes = await Task.WhenAll(round % 2 == 0 ? Demote(a) : Disable(a), Demote(b));

            Assert.Single(outcomes, o => o is null);
            Assert.Single(outcomes, o => o == UserAdminErrors.LastAdmin.Code);
            await using var check = db.NewContext();
            var enabledAdmins = await (from ur in check.UserRoles
                                       join r in check.Roles on ur.RoleId equals r.Id
                                       join u in check.Users on ur.UserId equals u.Id
                                       where r.Name == Roles.Admin && u.DisabledAt == null
                                       select u.Id).CountAsync();
            Assert.Equal(1, enabledAdmins);
        }
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Disable_ThenEnable_ChangesTheAccount_MovesTheKeyStamp_AndAuditsEach(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var userId = await AddUserAsync(db, "kim@test.local");
        var service = db.Get<UserAdminService>();
        var stamp = await StampAsync(db);

        var disabled = await service.DisableAsync(userId, Actor);
        var again = await service.DisableAsync(userId, Actor);

        Assert.True(disabled.Succeeded, disabled.Error?.ToString());
        Assert.Equal(UserAdminErrors.AlreadyDisabled, again.Error);
        Assert.Equal(db.Time.GetUtcNow().UtcDateTime, (await db.Get<UserAdminQueries>().GetAsync(userId))!.DisabledAt);
        Assert.Equal(stamp + 1, await StampAsync(db));

        var enabled = await service.EnableAsync(userId, Actor);
        var enabledAgain = await service.EnableAsync(userId, Actor);

        Assert.True(enabled.Succeeded);
        Assert.Equal(UserAdminErrors.AlreadyEnabled, enabledAgain.Error);
        Assert.Null((await db.Get<UserAdminQueries>().GetAsync(userId))!.DisabledAt);
        Assert.Equal(stamp + 2, await StampAsync(db));
        Assert.Equal(["user.disable", "user.enable"], (await AuditAsync(db)).Select(e => e.Action));
        Assert.All(await AuditAsync(db), e => Assert.Equal("user:kim@test.local", e.Target));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Disable_TheLastEnabledAdminOrYourself_IsRefused(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var admin = await AddUserAsync(db, "root@test.local", Roles.Admin);
        var service = db.Get<UserAdminService>();

        Assert.Equal(UserAdminErrors.LastAdmin, (await service.DisableAsync(admin, Actor)).Error);
        Assert.Equal(UserAdminErrors.NotYourself, (await service.DisableAsync(admin, Actor with { Name = "root@test.local" })).Error);
        Assert.Equal(UserAdminErrors.NotFound, (await service.DisableAsync("no-such-user", Actor)).Error);
        Assert.Empty(await AuditAsync(db));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Disable_RefusesTheAccountsKeys_OnEveryInstance_AndEnableRestoresThem(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var userId = await AddUserAsync(db, "dev@test.local");
        var secret = "Bearer " + (await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy())).Value!.Secret;
        var here = db.Get<ApiKeyAuthenticator>();
        // Another instance: its own cache, the same database.
        var there = new ApiKeyAuthenticator(db.Get<IDbContextFactory<AppDbContext>>(), db.Time, db.Get<IOptions<ApiKeyOptions>>());
        Assert.True((await here.AuthenticateAsync(secret)).Succeeded);
        Assert.True((await there.AuthenticateAsync(secret)).Succeeded);

        Assert.True((await db.Get<UserAdminService>().DisableAsync(userId, Actor)).Succeeded);
        var hereAtOnce = await here.AuthenticateAsync(secret);
        db.Time.Advance(TimeSpan.FromSeconds(1));
        var thereWithinASecond = await there.AuthenticateAsync(secret);

        Assert.Equal(ApiKeyErrors.AccountDisabled, hereAtOnce.Error);
        Assert.Equal(ApiKeyErrors.AccountDisabled, thereWithinASecond.Error);
        Assert.Equal("account_disabled", thereWithinASecond.Error!.Code);

        Assert.True((await db.Get<UserAdminService>().EnableAsync(userId, Actor)).Succeeded);
        db.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await here.AuthenticateAsync(secret)).Succeeded);
        Assert.True((await there.AuthenticateAsync(secret)).Succeeded);
    }

    [Fact]
    public async Task Authenticate_ReadsTheKeyAndItsOwnersStateInOneCommandPerCacheMiss()
    {
        await using var db = await DatabaseAsync(TestProvider.Sqlite);
        var userId = await AddUserAsync(db, "dev@test.local");
        var secret = "Bearer " + (await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy())).Value!.Secret;
        var capture = new ReaderCount();
        string connection;
        await using (var context = db.NewContext()) connection = context.Database.GetConnectionString()!;
        var authenticator = new ApiKeyAuthenticator(new CountingFactory(connection, capture), db.Time, db.Get<IOptions<ApiKeyOptions>>());
        Assert.True((await authenticator.AuthenticateAsync(secret)).Succeeded);

        authenticator.Forget();
        capture.Count = 0;
        var missed = await authenticator.AuthenticateAsync(secret);
        var hit = capture.Count;
        await authenticator.AuthenticateAsync(secret);

        Assert.True(missed.Succeeded);
        Assert.Equal(1, hit);
        Assert.Equal(1, capture.Count);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Adjust_AddsAnAdjustmentGrantThroughTheLedger_AuditedAsGrantAdjust(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var userId = await AddUserAsync(db, "lee@test.local");
        var service = db.Get<UserAdminService>();

        var granted = await service.AdjustAsync(userId, Bucket.Routed, 12_500_000, "  refund for outage  ", Actor);
        var zero = await service.AdjustAsync(userId, Bucket.Routed, 0, "nothing", Actor);
        var noReason = await service.AdjustAsync(userId, Bucket.Routed, 1_000_000, " ", Actor);

        Assert.True(granted.Succeeded, granted.Error?.ToString());
        Assert.Equal(UserAdminErrors.InvalidAmount, zero.Error);
        Assert.Equal(UserAdminErrors.ReasonRequired, noReason.Error);
        var overview = (await db.Get<UserAdminQueries>().GetAsync(userId))!;
        Assert.Equal(12_500_000, overview.Buckets.Single(b => b.Key == Bucket.Routed).Balance);
        var grant = Assert.Single(overview.Grants);
        Assert.Equal((GrantSource.Adjustment, "Adjustment: refund for outage"), (grant.Source, grant.SourceLabel));
        var e = Assert.Single(await AuditAsync(db));
        Assert.Equal(("grant.adjust", "user:lee@test.local", "boss@test.local"), (e.Action, e.Target, e.Actor));
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Search_FindsByAnyPartOfTheEmail_InAnyCase_OnePageAtATime(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        for (var i = 0; i < 7; i++) await AddUserAsync(db, $"team{i}@acme.test");
        var outsider = await AddUserAsync(db, "solo@other.test", Roles.Finance);
        await db.Get<UserAdminService>().AdjustAsync(outsider, Bucket.Official, 3_000_000, "welcome", Actor);
        await db.Get<ApiKeyService>().CreateAsync(outsider, "ci", new ApiKeyPolicy());
        var queries = db.Get<UserAdminQueries>();

        var first = await queries.SearchAsync("ACME", new PageRequest(0, 5));
        var second = await queries.SearchAsync("acme", new PageRequest(1, 5));
        var solo = Assert.Single((await queries.SearchAsync("other", new PageRequest())).Items);

        Assert.Equal(7, first.TotalCount);
        Assert.Equal(["team0@acme.test", "team1@acme.test", "team2@acme.test", "team3@acme.test", "team4@acme.test"], first.Items.Select(u => u.Email));
        Assert.Equal(["team5@acme.test", "team6@acme.test"], second.Items.Select(u => u.Email));
        Assert.Equal(("solo@other.test", 3_000_000L, 1), (solo.Email, solo.Balance, solo.ActiveKeys));
        Assert.Equal([Roles.Finance, Roles.User], solo.Roles);
        Assert.Equal(8, (await queries.SearchAsync(null, new PageRequest())).TotalCount);
        Assert.Null(await queries.GetAsync("no-such-user"));
    }

    private sealed class ReaderCount : DbCommandInterceptor
    {
        public int Count { get; set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count++;
            return ValueTask.FromResult(result);
        }
    }

    private sealed class CountingFactory(string connection, ReaderCount capture) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() =>
            new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(connection).AddInterceptors(capture).Options);
    }
}
