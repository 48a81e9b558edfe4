using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokensForge.Tests.Ledger;

/// <summary>
/// DESIGN §3's property test: random sequences of grants, holds, posts, voids, hold and grant expiries,
/// reversals, clock moves and replays run against the real ledger and a plain in-memory model. After every
/// step the database must equal the model: invariants 1 (zero sum), 2 (counters), 3 (no overdraft),
/// 7 (rows only added, never changed) and 8 (replays move nothing, changed bodies are refused). At the end
/// every account is rebuilt from its transfers, by <see cref="LedgerVerifier"/> and by the test's own fold.
/// </summary>
public sealed class LedgerPropertyTests(ITestOutputHelper output)
{
    private const int Steps = 1_000;

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite, 1)]
    [InlineData(TestProvider.Sqlite, 2)]
    [InlineData(TestProvider.Sqlite, 20261130)]
    [InlineData(TestProvider.Postgres, 7)]
    public async Task RandomOperations_DatabaseMatchesThePlainModel_AfterEveryStep(TestProvider provider, int seed)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var run = await PropertyRun.StartAsync(db, seed);
        var clock = Stopwatch.StartNew();

        for (var step = 0; step < Steps; step++) await run.StepAsync(step);
        await run.FinishAsync();

        output.WriteLine($"{provider} seed {seed}: {Steps} steps in {clock.Elapsed.TotalSeconds:F1} s, {run.Model.Rows.Count} transfers, "
            + $"{run.Model.Grants.Count} grants, {run.Model.ResolvedHolds.Count} holds resolved, {run.Model.OpenHolds.Count} open");
        output.WriteLine($"ops {run.OpTime.TotalSeconds:F1} s, checks {run.CheckTime.TotalSeconds:F1} s");
        foreach (var (label, count) in run.Stats.OrderBy(s => s.Key)) output.WriteLine($"  {label}: {count}");
        run.AssertCoverage();
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task TransfersTable_UpdateOrDeleteBySql_IsRefusedByTheDatabase(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var grant = await LedgerTestKit.GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        await using var ctx = db.NewContext();

        await Assert.ThrowsAnyAsync<DbException>(() => ctx.Database.ExecuteSqlRawAsync("UPDATE transfers SET \"Amount\" = \"Amount\" + 1"));
        await Assert.ThrowsAnyAsync<DbException>(() => ctx.Database.ExecuteSqlRawAsync("UPDATE transfers SET \"Memo\" = 'edited'"));
        await Assert.ThrowsAnyAsync<DbException>(() => ctx.Database.ExecuteSqlRawAsync("DELETE FROM transfers"));

        var row = await ctx.Transfers.AsNoTracking().SingleAsync();
        Assert.Equal((grant.TransferId, 1_000L, (string?)null), (row.Id, row.Amount, row.Memo));
    }

    private enum Op
    {
        Grant,
        PlaceHold,
        RawHold,
        PostBelow,
        PostEqual,
        PostAbove,
        Void,
        ResolveAgain,
        Settle,
        ExpireHold,
        ExpireGrant,
        Reverse,
        ReverseInvalid,
        AdvanceClock,
        Replay,
        ReplayChanged,
        ReplayGrant,
    }

    private static readonly (Op Op, int Weight)[] Weights =
    [
        (Op.Grant, 10), (Op.PlaceHold, 12), (Op.RawHold, 8), (Op.PostBelow, 9), (Op.PostEqual, 7), (Op.PostAbove, 2),
        (Op.Void, 7), (Op.ResolveAgain, 2), (Op.Settle, 10), (Op.ExpireHold, 5), (Op.ExpireGrant, 5), (Op.Reverse, 8),
        (Op.ReverseInvalid, 2), (Op.AdvanceClock, 6), (Op.Replay, 6), (Op.ReplayChanged, 3), (Op.ReplayGrant, 2),
    ];

    /// <summary>One seeded run: the database under test, the model, and what can be replayed.</summary>
    private sealed class PropertyRun : IAsyncDisposable
    {
        private readonly TestDatabase _db;
        private readonly Random _random;
        private readonly AppDbContext _reader;
        private readonly DbConnection _connection;
        private readonly string[] _users;
        private readonly LedgerService _ledger;
        private readonly HoldService _holds;
        private readonly List<(Guid TxId, TransferSpec Spec)> _replays = [];
        private readonly List<(GrantRequest Request, Guid TransferId, Guid GrantId)> _grantReplays = [];
        private readonly List<Hold> _serviceHolds = [];

        private PropertyRun(TestDatabase db, int seed, AppDbContext reader, string[] users)
        {
            _db = db;
            _random = new Random(seed);
            _reader = reader;
            _connection = reader.Database.GetDbConnection();
            _users = users;
            _ledger = db.Get<LedgerService>();
            _holds = db.Get<HoldService>();
        }

        public LedgerModel Model { get; } = new();
        public Dictionary<string, int> Stats { get; } = [];
        public TimeSpan OpTime, CheckTime;

        private DateTime Now => _db.Time.GetUtcNow().UtcDateTime;

        public static async Task<PropertyRun> StartAsync(TestDatabase db, int seed)
        {
            var users = new[] { await db.AddUserAsync(), await db.AddUserAsync(), await db.AddUserAsync() };
            var reader = db.NewContext();
            await reader.Database.OpenConnectionAsync();
            var run = new PropertyRun(db, seed, reader, users);
            await run.CheckAsync(-1, "start", []);
            return run;
        }

        public async ValueTask DisposeAsync() => await _reader.DisposeAsync();

        public async Task StepAsync(int step)
        {
            var pick = _random.Next(Weights.Sum(w => w.Weight));
            var op = Weights.First(w => (pick -= w.Weight) < 0).Op;
            var expected = new List<ExpectedRow>();
            var t0 = Stopwatch.GetTimestamp();
            var what = await RunAsync(op, step, expected);
            OpTime += Stopwatch.GetElapsedTime(t0);
            Stats[what] = Stats.GetValueOrDefault(what) + 1;
            t0 = Stopwatch.GetTimestamp();
            await CheckAsync(step, what, expected);
            CheckTime += Stopwatch.GetElapsedTime(t0);
        }

        private async Task<string> RunAsync(Op op, int step, List<ExpectedRow> expected)
        {
            // Operations that need something to act on fall back to creating it.
            if (Model.Grants.Count == 0) op = Op.Grant;
            if (op is Op.PostBelow or Op.PostEqual or Op.PostAbove or Op.Void && Model.OpenHolds.Count == 0) op = Op.RawHold;
            if (op == Op.ResolveAgain && Model.ResolvedHolds.Count == 0) op = Op.PlaceHold;
            if (op == Op.Settle && !_serviceHolds.Any(AllPartsOpen)) op = Op.PlaceHold;
            if (op is Op.Replay or Op.ReplayChanged && _replays.Count == 0) op = Op.Grant;
            if (op == Op.ReplayGrant && _grantReplays.Count == 0) op = Op.Grant;

            return op switch
            {
                Op.Grant => await GrantAsync(expected),
                Op.PlaceHold => await PlaceHoldAsync(step, expected),
                Op.RawHold => await RawHoldAsync(step, expected),
                Op.PostBelow or Op.PostEqual or Op.PostAbove => await PostAsync(op, step, expected),
                Op.Void => await VoidAsync(step, expected),
                Op.ResolveAgain => await ResolveAgainAsync(),
                Op.Settle => await SettleAsync(step, expected),
                Op.ExpireHold => await ExpireHoldsAsync(expected),
                Op.ExpireGrant => await ExpireGrantsAsync(expected),
                Op.Reverse => await ReverseAsync(step, expected),
                Op.ReverseInvalid => await ReverseInvalidAsync(),
                Op.AdvanceClock => Advance(),
                Op.Replay => await ReplayAsync(),
                Op.ReplayChanged => await ReplayChangedAsync(),
                _ => await ReplayGrantAsync(),
            };
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private long Between(long min, long max) => _random.NextInt64(min, max + 1);

        private bool AllPartsOpen(Hold hold) => hold.Parts.All(p => Model.OpenHolds.ContainsKey(p.PendingTransferId));

        /// <summary>Half the time as a standalone transfer (its id is the transaction id), half in a batch of its own.</summary>
        private async Task<(Guid TxId, LedgerOutcome Outcome)> SubmitAsync(TransferSpec spec)
        {
            if (_random.Next(2) == 0) return (spec.Id, await _ledger.SubmitAsync(spec));
            var txId = Guid.CreateVersion7();
            return (txId, await _ledger.SubmitAsync(txId, [spec]));
        }

        private async Task<string> GrantAsync(List<ExpectedRow> expected)
        {
            var user = Pick(_users);
            var bucket = Pick(LedgerTestKit.AllBuckets);
            var category = _random.Next(2) == 0 ? GrantCategory.Promotional : GrantCategory.Paid;
            var source = category == GrantCategory.Paid ? GrantSource.TopUp : Pick([GrantSource.Starter, GrantSource.Campaign, GrantSource.Adjustment]);
            int? priority = _random.Next(5) == 0 ? Pick([0, 50, 100]) : null;
            DateTime? expiresAt = _random.Next(3) == 0 ? null : Now.AddSeconds(_random.Next(60, 4 * 3600));
            DateTime? effectiveAt = _random.Next(10) == 0 ? Now.AddSeconds(_random.Next(1, 1800)) : null;
            var amount = _random.Next(1, 100_001);
            var transferId = Guid.CreateVersion7();
            var request = new GrantRequest(user, bucket, amount, category, source, "property grant", SystemAccounts.AdjustmentsId, TransferCode.Adjust,
                ExpiresAt: expiresAt, Priority: priority, EffectiveAt: effectiveAt);
            var now = Now;

            var result = await LedgerTestKit.TryGrantAsync(_db, request, transferId);

            Assert.True(result.Succeeded, result.Error?.ToString());
            var issued = result.Value!;
            Assert.Equal(transferId, issued.TransferId);
            Model.AddGrant(new ModelGrant(issued.GrantId, issued.AccountId, user, bucket, category,
                priority ?? AllocationOracle.DefaultPriority(bucket, category, source), effectiveAt ?? now, expiresAt, now), amount, SystemAccounts.AdjustmentsId);
            expected.Add(new ExpectedRow(transferId, SystemAccounts.AdjustmentsId, issued.AccountId, amount, TransferFlags.None));
            _replays.Add((issued.TxId, TransferSpec.Single(transferId, SystemAccounts.AdjustmentsId, issued.AccountId, amount, TransferCode.Adjust, issued.GrantId.ToString())));
            _grantReplays.Add((request, transferId, issued.GrantId));
            return "grant";
        }

        private async Task<string> PlaceHoldAsync(int step, List<ExpectedRow> expected)
        {
            var user = Pick(_users);
            var kind = _random.Next(2) == 0 ? RouteKind.Official : RouteKind.Routed;
            var payable = Model.Payable(user, kind, Now);
            var amount = payable > 0 && _random.Next(10) < 7 ? Between(1, payable) : payable + _random.Next(1, 1_000);
            var timeout = TimeSpan.FromSeconds(_random.Next(30, 7_200));
            var plan = AllocationOracle.Allocate(Model.OracleGrants(user), kind, Now, amount);
            var expiresAt = Now + timeout;
            var reference = $"hold-{step}";

            var result = await _holds.PlaceAsync(user, kind, amount, timeout, reference);

            if (plan is null)
            {
                Assert.Equal(LedgerErrors.InsufficientBalance, result.Error);
                return "place-hold: insufficient";
            }
            Assert.True(result.Succeeded, result.Error?.ToString());
            var hold = result.Value!;
            Assert.Equal(plan, hold.Parts.Select(p => (p.GrantId, p.Amount)).ToList());
            Assert.Equal(expiresAt, hold.ExpiresAt);
            var credit = kind == RouteKind.Official ? SystemAccounts.RevenueOfficialId : SystemAccounts.RevenueRoutedId;
            foreach (var part in hold.Parts)
            {
                Assert.Equal(Model.GrantOf(part.GrantId).AccountId, part.AccountId);
                Model.Reserve(new ModelHold(part.PendingTransferId, part.AccountId, credit, part.Amount, expiresAt));
                expected.Add(new ExpectedRow(part.PendingTransferId, part.AccountId, credit, part.Amount, TransferFlags.Pending, ExpiresAt: expiresAt));
                _replays.Add((hold.TxId, TransferSpec.Pending(part.PendingTransferId, part.AccountId, credit, part.Amount, TransferCode.Charge, expiresAt, reference)));
            }
            _serviceHolds.Add(hold);
            return hold.Parts.Count > 1 ? "place-hold: split" : "place-hold: one grant";
        }

        private async Task<string> RawHoldAsync(int step, List<ExpectedRow> expected)
        {
            // Raw ledger transfers know nothing of grant expiry: any grant account, expired or not.
            var funded = Model.Grants.Where(g => Model.Accounts[g.AccountId].Available > 0).ToList();
            var grant = funded.Count > 0 && _random.Next(5) != 0 ? Pick(funded) : Pick(Model.Grants);
            var available = Model.Accounts[grant.AccountId].Available;
            var amount = available > 0 && _random.Next(10) < 7 ? Between(1, available) : available + _random.Next(1, 500);
            var credit = Pick([SystemAccounts.RevenueRoutedId, SystemAccounts.RevenueOfficialId, SystemAccounts.ResearchId]);
            DateTime? expiresAt = _random.Next(5) == 0 ? null : Now.AddSeconds(_random.Next(30, 7_200));
            var spec = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, credit, amount, TransferCode.Charge, expiresAt, $"raw-{step}");

            var (txId, outcome) = await SubmitAsync(spec);

            if (!Model.CanDebit(grant.AccountId, amount))
            {
                Assert.Equal(LedgerErrors.InsufficientBalance, outcome.Error);
                return "raw-hold: insufficient";
            }
            Assert.Equal(LedgerStatus.Created, outcome.Status);
            Model.Reserve(new ModelHold(spec.Id, grant.AccountId, credit, amount, expiresAt));
            expected.Add(new ExpectedRow(spec.Id, grant.AccountId, credit, amount, TransferFlags.Pending, ExpiresAt: expiresAt));
            _replays.Add((txId, spec));
            return "raw-hold: created";
        }

        private ModelHold PickOpenHold()
        {
            var live = Model.OpenHolds.Values.Where(h => !h.ExpiredAt(Now)).ToList();
            return live.Count > 0 && _random.Next(100) < 85 ? Pick(live) : Pick(Model.OpenHolds.Values.ToList());
        }

        private async Task<string> PostAsync(Op op, int step, List<ExpectedRow> expected)
        {
            var hold = PickOpenHold();
            var amount = op switch
            {
                Op.PostBelow when hold.Amount > 1 => Between(1, hold.Amount - 1),
                Op.PostAbove => hold.Amount + _random.Next(1, 100),
                _ => hold.Amount,
            };
            var spec = TransferSpec.Post(Guid.CreateVersion7(), hold.Id, amount, _random.Next(2) == 0 ? null : $"post-{step}");

            var (txId, outcome) = await SubmitAsync(spec);

            if (amount > hold.Amount)
            {
                Assert.Equal(LedgerErrors.AmountExceedsPending, outcome.Error);
                return "post: above the hold refused";
            }
            if (hold.ExpiredAt(Now))
            {
                Assert.Equal(LedgerErrors.PendingExpired, outcome.Error);
                return "post: expired hold refused";
            }
            Assert.Equal(LedgerStatus.Created, outcome.Status);
            Model.Resolve(hold, amount);
            expected.Add(new ExpectedRow(spec.Id, hold.Debit, hold.Credit, amount, TransferFlags.PostPending, PendingId: hold.Id));
            _replays.Add((txId, spec));
            return amount < hold.Amount ? "post: below the hold" : "post: the whole hold";
        }

        private async Task<string> VoidAsync(int step, List<ExpectedRow> expected)
        {
            var hold = Pick(Model.OpenHolds.Values.ToList());
            var spec = TransferSpec.Void(Guid.CreateVersion7(), hold.Id, _random.Next(2) == 0 ? null : $"void-{step}");

            var (txId, outcome) = await SubmitAsync(spec);

            Assert.Equal(LedgerStatus.Created, outcome.Status);
            Model.Resolve(hold, 0);
            expected.Add(new ExpectedRow(spec.Id, hold.Debit, hold.Credit, hold.Amount, TransferFlags.VoidPending, PendingId: hold.Id));
            _replays.Add((txId, spec));
            return "void";
        }

        private async Task<string> ResolveAgainAsync()
        {
            var hold = Pick(Model.ResolvedHolds.Values.ToList());
            var spec = _random.Next(3) switch
            {
                0 => TransferSpec.Post(Guid.CreateVersion7(), hold.Id, 1),
                1 => TransferSpec.Void(Guid.CreateVersion7(), hold.Id),
                _ => TransferSpec.ExpireHold(Guid.CreateVersion7(), hold.Id),
            };

            var (_, outcome) = await SubmitAsync(spec);

            Assert.True(LedgerErrors.IsAlreadyResolved(outcome.Error), outcome.Error?.ToString());
            return "resolve a resolved hold: refused";
        }

        private async Task<string> SettleAsync(int step, List<ExpectedRow> expected)
        {
            var hold = Pick(_serviceHolds.Where(AllPartsOpen).ToList());
            var actual = _random.Next(4) switch { 0 => 0, 1 => hold.Amount, _ => Between(1, hold.Amount) };
            var parts = new List<(HoldPart Part, ModelHold Model, long Take)>();
            var left = actual;
            foreach (var part in hold.Parts)
            {
                var take = Math.Min(part.Amount, left);
                left -= take;
                parts.Add((part, Model.OpenHolds[part.PendingTransferId], take));
            }

            if (_random.Next(4) == 0)
            {
                Assert.Equal(LedgerStatus.Created, (await _holds.ReleaseAsync(hold, $"release-{step}")).Status);
                foreach (var (_, h, _) in parts)
                {
                    Model.Resolve(h, 0);
                    expected.Add(new ExpectedRow(null, h.Debit, h.Credit, h.Amount, TransferFlags.VoidPending, PendingId: h.Id));
                }
                return "release";
            }

            var result = await _holds.SettleAsync(hold, actual, $"settle-{step}");

            // Posting a hold whose timeout passed fails the whole settlement; voiding never does.
            if (parts.Any(p => p.Take > 0 && p.Model.ExpiredAt(Now)))
            {
                Assert.Equal(LedgerErrors.PendingExpired, result.Error);
                return "settle: expired hold refused";
            }
            Assert.True(result.Succeeded, result.Error?.ToString());
            Assert.Equal(parts.Where(p => p.Take > 0).Select(p => (p.Part.GrantId, p.Take)).ToList(), result.Value!.Select(c => (c.GrantId, c.Amount)).ToList());
            var charges = result.Value!.ToDictionary(c => c.GrantId);
            foreach (var (part, h, take) in parts)
            {
                Model.Resolve(h, take);
                expected.Add(take > 0
                    ? new ExpectedRow(charges[part.GrantId].TransferId, h.Debit, h.Credit, take, TransferFlags.PostPending, PendingId: h.Id)
                    : new ExpectedRow(null, h.Debit, h.Credit, h.Amount, TransferFlags.VoidPending, PendingId: h.Id));
            }
            return actual == hold.Amount ? "settle: whole hold" : actual == 0 ? "settle: nothing" : "settle: part";
        }

        /// <summary>Moves the clock to a boundary (exactly on it, or past it) half the time.</summary>
        private void MoveTo(DateTime due)
        {
            if (due <= Now) return;
            _db.Time.SetUtcNow(_random.Next(2) == 0 ? due : due.AddMilliseconds(_random.Next(1, 60_000)));
        }

        private async Task<string> ExpireHoldsAsync(List<ExpectedRow> expected)
        {
            var timed = Model.OpenHolds.Values.Where(h => h.ExpiresAt is not null).ToList();
            if (timed.Count > 0 && _random.Next(4) != 0) MoveTo(Pick(timed).ExpiresAt!.Value);
            var due = Model.OpenHolds.Values.Where(h => h.ExpiredAt(Now)).ToList();

            var swept = await _db.Get<HoldSweeper>().RunOnceAsync();

            Assert.Equal(due.Count, swept);
            foreach (var h in due)
            {
                Model.Resolve(h, 0);
                expected.Add(new ExpectedRow(null, h.Debit, h.Credit, h.Amount, TransferFlags.ExpirePending, PendingId: h.Id));
            }
            return due.Count > 0 ? "expire holds: some" : "expire holds: none due";
        }

        private async Task<string> ExpireGrantsAsync(List<ExpectedRow> expected)
        {
            var expiring = Model.Grants.Where(g => g.ExpiresAt is not null && Model.Accounts[g.AccountId].Available > 0).ToList();
            if (expiring.Count > 0 && _random.Next(4) != 0) MoveTo(Pick(expiring).ExpiresAt!.Value);
            var due = Model.Grants.Where(g => g.ExpiresAt <= Now && Model.Accounts[g.AccountId].Available > 0)
                .Select(g => (Grant: g, Remainder: Model.Accounts[g.AccountId].Available)).ToList();

            var expired = await _db.Get<GrantExpirer>().RunOnceAsync();

            Assert.Equal(due.Count, expired);
            foreach (var (g, remainder) in due)
            {
                Model.Move(g.AccountId, SystemAccounts.BreakageId, remainder);
                expected.Add(new ExpectedRow(null, g.AccountId, SystemAccounts.BreakageId, remainder, TransferFlags.None));
            }
            return due.Count > 0 ? "expire grants: some" : "expire grants: none due";
        }

        private async Task<string> ReverseAsync(int step, List<ExpectedRow> expected)
        {
            var candidates = Model.Rows.Values.Where(r => r.Flags is TransferFlags.None or TransferFlags.PostPending && !Model.Reversed.Contains(r.Id)).ToList();
            var original = Pick(candidates);
            var spec = TransferSpec.Reverse(Guid.CreateVersion7(), original.Id, _random.Next(2) == 0 ? null : $"reversal-{step}");

            var (txId, outcome) = await SubmitAsync(spec);

            // A reversal debits the account the original credited: a grant may no longer hold that much.
            if (!Model.CanDebit(original.Credit, original.Amount))
            {
                Assert.Equal(LedgerErrors.InsufficientBalance, outcome.Error);
                return "reverse: insufficient";
            }
            Assert.Equal(LedgerStatus.Created, outcome.Status);
            Model.Move(original.Credit, original.Debit, original.Amount);
            Model.Reversed.Add(original.Id);
            expected.Add(new ExpectedRow(spec.Id, original.Credit, original.Debit, original.Amount, TransferFlags.None, ReversalOf: original.Id));
            _replays.Add((txId, spec));
            return "reverse: created";
        }

        private async Task<string> ReverseInvalidAsync()
        {
            var reversed = Model.Reversed.ToList();
            var unreversible = Model.Rows.Values.Where(r => r.Flags is not (TransferFlags.None or TransferFlags.PostPending)).ToList();
            var choice = _random.Next(3);
            if (choice == 0 && reversed.Count > 0)
            {
                var (_, outcome) = await SubmitAsync(TransferSpec.Reverse(Guid.CreateVersion7(), Pick(reversed)));
                Assert.Equal(LedgerErrors.AlreadyReversed, outcome.Error);
                return "reverse twice: refused";
            }
            if (choice == 1 && unreversible.Count > 0)
            {
                var (_, outcome) = await SubmitAsync(TransferSpec.Reverse(Guid.CreateVersion7(), Pick(unreversible).Id));
                Assert.Equal(LedgerErrors.NotReversible, outcome.Error);
                return "reverse a hold or resolution: refused";
            }
            var (_, missing) = await SubmitAsync(TransferSpec.Reverse(Guid.CreateVersion7(), Guid.CreateVersion7()));
            Assert.Equal(LedgerErrors.TransferNotFound, missing.Error);
            return "reverse unknown: refused";
        }

        private string Advance()
        {
            _db.Time.Advance(TimeSpan.FromMilliseconds(_random.Next(1, 30 * 60 * 1_000)));
            return "advance clock";
        }

        private async Task<string> ReplayAsync()
        {
            var (txId, spec) = Pick(_replays);
            var outcome = txId == spec.Id && _random.Next(2) == 0 ? await _ledger.SubmitAsync(spec) : await _ledger.SubmitAsync(txId, [spec]);
            Assert.Equal(LedgerStatus.AlreadyApplied, outcome.Status);
            return "replay: already applied";
        }

        private async Task<string> ReplayChangedAsync()
        {
            var (txId, spec) = Pick(_replays);
            var changed = spec;
            var reference = (spec with { Reference = "changed" }, LedgerErrors.ExistsWithDifferentReference);
            Error expected;
            if (_random.Next(4) == 0) (txId, expected) = (Guid.CreateVersion7(), LedgerErrors.ExistsWithDifferentTransaction);
            else if (spec.ReversalOf is not null || spec.Flags == TransferFlags.VoidPending) (changed, expected) = reference;
            else if (spec.Flags == TransferFlags.PostPending)
                (changed, expected) = _random.Next(2) == 0 ? (spec with { Amount = spec.Amount + 1 }, LedgerErrors.ExistsWithDifferentAmount) : reference;
            else (changed, expected) = _random.Next(4) switch
            {
                0 => (spec with { Amount = spec.Amount + 1 }, LedgerErrors.ExistsWithDifferentAmount),
                1 => (spec with { Code = spec.Code == TransferCode.Charge ? TransferCode.Refund : TransferCode.Charge }, LedgerErrors.ExistsWithDifferentCode),
                2 => (spec with { CreditAccountId = spec.CreditAccountId == SystemAccounts.ResearchId ? SystemAccounts.PaymentsClearingId : SystemAccounts.ResearchId },
                    LedgerErrors.ExistsWithDifferentCreditAccount),
                _ => spec.Flags == TransferFlags.Pending
                    ? (spec with { ExpiresAt = (spec.ExpiresAt ?? Now).AddSeconds(1) }, LedgerErrors.ExistsWithDifferentExpiry)
                    : (spec with { Flags = TransferFlags.Pending, ExpiresAt = Now.AddMinutes(1) }, LedgerErrors.ExistsWithDifferentFlags),
            };

            var outcome = await _ledger.SubmitAsync(txId, [changed]);

            Assert.Equal(expected, outcome.Error);
            return "replay changed: refused";
        }

        private async Task<string> ReplayGrantAsync()
        {
            var (request, transferId, grantId) = Pick(_grantReplays);
            if (_random.Next(2) == 0)
            {
                var again = await LedgerTestKit.TryGrantAsync(_db, request, transferId);
                Assert.True(again.Succeeded, again.Error?.ToString());
                Assert.Equal(grantId, again.Value!.GrantId);
                return "replay grant: same grant";
            }
            var (changed, expected) = _random.Next(3) switch
            {
                0 => (request with { Amount = request.Amount + 1 }, LedgerErrors.ExistsWithDifferentAmount),
                1 => (request with { UserId = _users.First(u => u != request.UserId) }, LedgerErrors.ExistsWithDifferentUser),
                _ => (request with { BucketKey = LedgerTestKit.AllBuckets.First(b => b != request.BucketKey) }, LedgerErrors.ExistsWithDifferentBucket),
            };
            var refused = await LedgerTestKit.TryGrantAsync(_db, changed, transferId);
            Assert.Equal(expected, refused.Error);
            return "replay grant changed: refused";
        }

        /// <summary>Invariants 1, 2, 3 and 7 after a step, against the model.</summary>
        private async Task CheckAsync(int step, string what, List<ExpectedRow> expected)
        {
            var at = $"step {step} ({what})";
            var accounts = await ReadAccountsAsync();
            if (accounts.Count != Model.Accounts.Count) Assert.Fail($"{at}: {accounts.Count} accounts in the database, the model has {Model.Accounts.Count}");
            long posted = 0, pending = 0;
            foreach (var (id, a) in accounts)
            {
                if (!Model.Accounts.TryGetValue(id, out var m)) Assert.Fail($"{at}: account {id} is not in the model");
                if (a.DebitsPosted != m.DebitsPosted || a.CreditsPosted != m.CreditsPosted || a.DebitsPending != m.DebitsPending || a.CreditsPending != m.CreditsPending)
                    Assert.Fail($"{at}: account {id} has {a} but the model says {m}");
                if (a.UserId != m.UserId || a.NoOverdraft != m.NoOverdraft) Assert.Fail($"{at}: account {id} has owner {a.UserId}/{a.NoOverdraft}, the model {m.UserId}/{m.NoOverdraft}");
                if (a.UserId is not null && (!a.NoOverdraft || a.DebitsPosted + a.DebitsPending > a.CreditsPosted))
                    Assert.Fail($"{at}: user account {id} is overdrawn or unprotected: {a}");
                posted += a.CreditsPosted - a.DebitsPosted;
                pending += a.CreditsPending - a.DebitsPending;
            }
            if (posted != 0 || pending != 0) Assert.Fail($"{at}: credits - debits sum to {posted} posted and {pending} pending, not zero");

            var rows = await ReadTransfersAsync();
            foreach (var (id, earlier) in Model.Rows)
            {
                if (!rows.TryGetValue(id, out var now)) Assert.Fail($"{at}: transfer {id} disappeared");
                if (now != earlier) Assert.Fail($"{at}: transfer {id} changed from {earlier} to {now}");
            }
            var fresh = rows.Values.Where(r => !Model.Rows.ContainsKey(r.Id)).ToList();
            if (fresh.Count != expected.Count)
                Assert.Fail($"{at}: {fresh.Count} new transfers, expected {expected.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, fresh)}");
            foreach (var e in expected.OrderBy(e => e.Id is null))
            {
                var match = fresh.FirstOrDefault(e.Matches) ?? throw new Xunit.Sdk.XunitException($"{at}: no new transfer matches {e}");
                fresh.Remove(match);
                Model.Rows.Add(match.Id, match);
            }
        }

        private sealed record DbAccount(long DebitsPosted, long CreditsPosted, long DebitsPending, long CreditsPending, bool NoOverdraft, string? UserId);

        private async Task<Dictionary<Guid, DbAccount>> ReadAccountsAsync()
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT "Id", "DebitsPosted", "CreditsPosted", "DebitsPending", "CreditsPending", "DebitsMustNotExceedCredits", "UserId" FROM ledger_accounts
                """;
            await using var reader = await command.ExecuteReaderAsync();
            var accounts = new Dictionary<Guid, DbAccount>();
            while (await reader.ReadAsync())
                accounts.Add(reader.GetGuid(0), new DbAccount(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetBoolean(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6)));
            return accounts;
        }

        private async Task<Dictionary<Guid, StoredRow>> ReadTransfersAsync()
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT "Id", "TxId", "DebitAccountId", "CreditAccountId", "Amount", "Flags", "PendingId", "ReversalOf", "ExpiresAt", "Code", "Reference", "Memo", "CreatedAt"
                FROM transfers
                """;
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new Dictionary<Guid, StoredRow>();
            while (await reader.ReadAsync())
            {
                var row = new StoredRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetInt64(4), (TransferFlags)reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetGuid(6), reader.IsDBNull(7) ? null : reader.GetGuid(7), reader.IsDBNull(8) ? null : reader.GetDateTime(8),
                    reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetDateTime(12));
                rows.Add(row.Id, row);
            }
            return rows;
        }

        /// <summary>Rebuilds every account from the transfers, by the verifier and by hand; proves the trigger refuses edits.</summary>
        public async Task FinishAsync()
        {
            var verification = await _db.Get<LedgerVerifier>().VerifyAsync();
            Assert.True(verification.Ok, string.Join(Environment.NewLine, verification.Discrepancies));
            Assert.Equal(Model.Rows.Count, verification.Transfers);
            Assert.Equal(Model.Accounts.Count, verification.Accounts);

            var rows = await ReadTransfersAsync();
            var fold = Model.Accounts.Keys.ToDictionary(id => id, _ => new long[4]);
            foreach (var t in rows.Values)
            {
                var (debit, credit) = (fold[t.Debit], fold[t.Credit]);
                switch (t.Flags)
                {
                    case TransferFlags.Pending:
                        debit[2] += t.Amount;
                        credit[3] += t.Amount;
                        break;
                    case TransferFlags.PostPending or TransferFlags.VoidPending or TransferFlags.ExpirePending:
                        var hold = rows[t.PendingId!.Value];
                        Assert.Equal((hold.Debit, hold.Credit), (t.Debit, t.Credit));
                        var posted = t.Flags == TransferFlags.PostPending ? t.Amount : 0;
                        Assert.InRange(posted, 0, hold.Amount);
                        debit[2] -= hold.Amount;
                        credit[3] -= hold.Amount;
                        debit[0] += posted;
                        credit[1] += posted;
                        break;
                    default:
                        debit[0] += t.Amount;
                        credit[1] += t.Amount;
                        break;
                }
            }
            Assert.Equal(rows.Values.Count(t => t.PendingId is not null), rows.Values.Where(t => t.PendingId is not null).Select(t => t.PendingId).Distinct().Count());
            var accounts = await ReadAccountsAsync();
            foreach (var (id, f) in fold)
            {
                var a = accounts[id];
                var m = Model.Accounts[id];
                Assert.Equal((f[0], f[1], f[2], f[3]), (a.DebitsPosted, a.CreditsPosted, a.DebitsPending, a.CreditsPending));
                Assert.Equal((f[0], f[1], f[2], f[3]), (m.DebitsPosted, m.CreditsPosted, m.DebitsPending, m.CreditsPending));
            }
            Assert.Equal(Model.OpenHolds.Count, rows.Values.Count(t => t.Flags == TransferFlags.Pending) - rows.Values.Count(t => t.PendingId is not null));

            var victim = Pick(rows.Keys.ToList());
            await Assert.ThrowsAnyAsync<DbException>(() => _reader.Database.ExecuteSqlRawAsync("UPDATE transfers SET \"Amount\" = \"Amount\" + 1 WHERE \"Id\" = {0}", victim));
            await Assert.ThrowsAnyAsync<DbException>(() => _reader.Database.ExecuteSqlRawAsync("DELETE FROM transfers WHERE \"Id\" = {0}", victim));
            await CheckAsync(Steps, "edits by SQL refused", []);
        }

        /// <summary>Each kind of step really happened, so a passing run says something.</summary>
        public void AssertCoverage()
        {
            int Count(string prefix) => Stats.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(s => s.Value);
            foreach (var label in new[]
            {
                "grant", "place-hold: split", "place-hold: one grant", "place-hold: insufficient", "raw-hold: created", "raw-hold: insufficient",
                "post: below", "post: the whole", "post: above", "void", "resolve a resolved", "settle: ", "release", "expire holds: some",
                "expire grants: some", "reverse: created", "replay: already", "replay changed", "replay grant", "advance clock",
            })
                Assert.True(Count(label) >= 2, $"only {Count(label)} steps of '{label}'");
        }
    }
}
