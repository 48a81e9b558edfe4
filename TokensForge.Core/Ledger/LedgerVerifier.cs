using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Ledger;

/// <summary>The verdict of a full ledger check.</summary>
public sealed record LedgerVerification(int Accounts, int Transfers, IReadOnlyList<string> Discrepancies)
{
    public bool Ok => Discrepancies.Count == 0;
}

/// <summary>
/// Checks the invariants of DESIGN §3 over the whole database by rebuilding every account from its
/// transfers: zero-sum, counters equal the fold, no overdrawn user account, each hold resolved at most
/// once and never over its amount, each grant funded by exactly its original amount.
/// </summary>
public sealed class LedgerVerifier(IDbContextFactory<AppDbContext> contexts)
{
    private sealed class Fold
    {
        public long DebitsPosted, CreditsPosted, DebitsPending, CreditsPending;
    }

    public async Task<LedgerVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var problems = new List<string>();
        var folds = new Dictionary<Guid, Fold>();
        // Holds first, so a resolution finds its hold whatever order equal timestamps come back in.
        var pendings = await db.Transfers.AsNoTracking().Where(t => t.Flags == TransferFlags.Pending).ToDictionaryAsync(t => t.Id, ct);
        var resolved = new HashSet<Guid>();
        var transfers = 0;
        Fold FoldOf(Guid id) => folds.TryGetValue(id, out var f) ? f : folds[id] = new Fold();

        await foreach (var t in db.Transfers.AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
        {
            transfers++;
            if (t.Amount <= 0) problems.Add($"transfer {t.Id}: amount {t.Amount} is not positive");
            var debit = FoldOf(t.DebitAccountId);
            var credit = FoldOf(t.CreditAccountId);
            if (t.IsPending)
            {
                debit.DebitsPending += t.Amount;
                credit.CreditsPending += t.Amount;
            }
            else if (t.ResolvesPending)
            {
                if (t.PendingId is not { } pid || !pendings.TryGetValue(pid, out var hold))
                {
                    problems.Add($"transfer {t.Id}: resolves unknown hold {t.PendingId}");
                    continue;
                }
                if (!resolved.Add(pid)) problems.Add($"hold {pid}: resolved more than once");
                if (t.Amount > hold.Amount) problems.Add($"hold {pid}: posted {t.Amount} µ of {hold.Amount} µ");
                if (t.DebitAccountId != hold.DebitAccountId || t.CreditAccountId != hold.CreditAccountId)
                    problems.Add($"transfer {t.Id}: resolves hold {pid} on other accounts");
                var posted = t.Flags == TransferFlags.PostPending ? t.Amount : 0;
                debit.DebitsPending -= hold.Amount;
                credit.CreditsPending -= hold.Amount;
                debit.DebitsPosted += posted;
                credit.CreditsPosted += posted;
            }
            else
            {
                debit.DebitsPosted += t.Amount;
                credit.CreditsPosted += t.Amount;
            }
        }

        var accounts = await db.LedgerAccounts.AsNoTracking().ToListAsync(ct);
        long net = 0, pendingNet = 0;
        foreach (var a in accounts)
        {
            net += a.CreditsPosted - a.DebitsPosted;
            pendingNet += a.CreditsPending - a.DebitsPending;
            var f = folds.GetValueOrDefault(a.Id) ?? new Fold();
            if (f.DebitsPosted != a.DebitsPosted || f.CreditsPosted != a.CreditsPosted || f.DebitsPending != a.DebitsPending || f.CreditsPending != a.CreditsPending)
                problems.Add($"account {a.Address}: counters dp={a.DebitsPosted} cp={a.CreditsPosted} dpend={a.DebitsPending} cpend={a.CreditsPending} "
                    + $"but its transfers give dp={f.DebitsPosted} cp={f.CreditsPosted} dpend={f.DebitsPending} cpend={f.CreditsPending}");
            if (a.DebitsMustNotExceedCredits && a.DebitsPosted + a.DebitsPending > a.CreditsPosted)
                problems.Add($"account {a.Address}: overdrawn (debits {a.DebitsPosted} + pending {a.DebitsPending} > credits {a.CreditsPosted})");
            if (a.UserId is not null && !a.DebitsMustNotExceedCredits)
                problems.Add($"account {a.Address}: a user account without the no-overdraft flag");
        }
        if (net != 0) problems.Add($"posted balances sum to {net} µ, not zero");
        if (pendingNet != 0) problems.Add($"pending balances sum to {pendingNet} µ, not zero");
        foreach (var id in folds.Keys.Except(accounts.Select(a => a.Id)))
            problems.Add($"transfers name account {id}, which does not exist");

        var grants = await db.CreditGrants.AsNoTracking()
            .Select(g => new
            {
                g.Id,
                g.OriginalAmount,
                Funded = db.Transfers.Where(t => t.CreditAccountId == g.AccountId && t.Flags == TransferFlags.None && t.ReversalOf == null
                    && t.Code != TransferCode.Refund).OrderBy(t => t.CreatedAt).Select(t => (long?)t.Amount).FirstOrDefault(),
            })
            .ToListAsync(ct);
        foreach (var g in grants.Where(g => g.Funded != g.OriginalAmount))
            problems.Add($"grant {g.Id}: original amount {g.OriginalAmount} µ but funded with {g.Funded?.ToString() ?? "nothing"}");

        await VerifyRedemptionsAsync(db, problems, ct);
        return new LedgerVerification(accounts.Count, transfers, problems);
    }

    /// <summary>Invariant 5: every redemption row has exactly one grant and one <c>redeem</c> transfer, naming the same amount.</summary>
    private static async Task VerifyRedemptionsAsync(AppDbContext db, List<string> problems, CancellationToken ct)
    {
        var rows = await db.Redemptions.AsNoTracking()
            .Select(r => new
            {
                r.Id,
                r.UserId,
                r.Amount,
                r.BucketKey,
                r.TransferId,
                Grant = db.CreditGrants.Where(g => g.Id == r.GrantId).Select(g => new { g.AccountId, g.UserId, g.BucketKey, g.OriginalAmount }).FirstOrDefault(),
            })
            .ToListAsync(ct);
        if (rows.Count == 0) return;
        var redeems = (await db.Transfers.AsNoTracking().Where(t => t.Code == TransferCode.Redeem)
                .Select(t => new { t.Id, t.CreditAccountId, t.Amount, t.Reference }).ToListAsync(ct))
            .ToLookup(t => t.Reference ?? "", StringComparer.OrdinalIgnoreCase);
        foreach (var r in rows)
        {
            var transfers = redeems[r.Id.ToString()].ToList();
            if (r.Grant is null) problems.Add($"redemption {r.Id}: its grant does not exist");
            else if (r.Grant.UserId != r.UserId || r.Grant.BucketKey != r.BucketKey || r.Grant.OriginalAmount != r.Amount)
                problems.Add($"redemption {r.Id}: its grant names another account, bucket or amount");
            if (transfers.Count != 1) problems.Add($"redemption {r.Id}: {transfers.Count} redeem transfers instead of one");
            else if (transfers[0].Id != r.TransferId || transfers[0].Amount != r.Amount || transfers[0].CreditAccountId != r.Grant?.AccountId)
                problems.Add($"redemption {r.Id}: its redeem transfer does not match the row");
        }
    }
}
