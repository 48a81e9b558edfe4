using System.Linq.Expressions;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.TopUps;

/// <summary>An order as pages and exports show it.</summary>
public sealed record TopUpOrderView(
    Guid Id,
    string Reference,
    string UserId,
    string? UserEmail,
    string BucketKey,
    long Amount,
    string Currency,
    string Provider,
    TopUpStatus Status,
    string? ProviderReference,
    DateTime CreatedAt,
    DateTime? PaidAt,
    DateTime? CreditedAt,
    DateTime? FailedAt,
    DateTime? RefundedAt,
    string? FailureReason,
    Guid? GrantId,
    long RefundedAmount,
    long UnrecoveredAmount,
    string? ConfirmedBy);

/// <summary>A new order and what the user does next to pay it.</summary>
public sealed record CreatedTopUp(TopUpOrderView Order, CheckoutStep Checkout);

/// <summary>Filter and page of the admin orders grid.</summary>
public sealed record TopUpOrderQuery(TopUpStatus? Status = null, string? Search = null, int Page = 0, int PageSize = 25);

/// <summary>Creating, listing and confirming top-up orders. Payments themselves land in <see cref="TopUpLifecycle"/>.</summary>
public sealed class TopUpService(
    IDbContextFactory<AppDbContext> contexts,
    WriteTransaction writes,
    PaymentProviders providers,
    TopUpLifecycle lifecycle,
    AuditLog audit,
    IOptions<PaymentsOptions> options,
    TopUpMetrics metrics,
    TimeProvider time)
{
    /// <summary>The buckets money can buy: starter credit is only ever given away.</summary>
    public static readonly IReadOnlyList<string> PurchasableBuckets = [Bucket.Routed, Bucket.Official];

    private const string ReferenceAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public async Task<Result<CreatedTopUp>> CreateAsync(string userId, string bucketKey, long amount, string providerKey, CancellationToken ct = default)
    {
        var settings = options.Value;
        if (!PurchasableBuckets.Contains(bucketKey)) return TopUpErrors.BucketNotPurchasable;
        if (amount < settings.MinAmountMicros || amount > settings.MaxAmountMicros)
            return TopUpErrors.AmountOutOfRange(settings.MinAmountMicros, settings.MaxAmountMicros);
        if (providers.Find(providerKey) is not { IsEnabled: true } provider) return TopUpErrors.ProviderUnavailable;

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Buckets.AnyAsync(b => b.Key == bucketKey, ct)) return WalletErrors.UnknownBucket(bucketKey);
        var order = new TopUpOrder(Guid.CreateVersion7(), NewReference(), userId, bucketKey, amount, settings.Currency, provider.Key,
            time.GetUtcNow().UtcDateTime);
        db.TopUpOrders.Add(order);
        await db.SaveChangesAsync(ct);
        metrics.Entered(TopUpStatus.Pending);
        var view = (await GetAsync(order.Id, ct))!;
        return new CreatedTopUp(view, provider.Start(view));
    }

    public async Task<TopUpOrderView?> GetAsync(Guid orderId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await Joined(db).Where(r => r.Order.Id == orderId).Select(ToView).FirstOrDefaultAsync(ct);
    }

    /// <summary>The checkout step of an order that is still waiting for its payment (to show it again).</summary>
    public CheckoutStep? CheckoutFor(TopUpOrderView order) =>
        order.Status is TopUpStatus.Pending or TopUpStatus.Failed && providers.Find(order.Provider) is { IsEnabled: true } p ? p.Start(order) : null;

    public async Task<IReadOnlyList<TopUpOrderView>> ListForUserAsync(string userId, int take = 50, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await Joined(db).Where(r => r.Order.UserId == userId)
            .OrderByDescending(r => r.Order.CreatedAt).ThenByDescending(r => r.Order.Id).Take(take).Select(ToView).ToListAsync(ct);
    }

    public async Task<PagedResult<TopUpOrderView>> ListAsync(TopUpOrderQuery query, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = Joined(db);
        if (query.Status is { } status) rows = rows.Where(r => r.Order.Status == status);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim();
            var upper = term.ToUpperInvariant();
            rows = rows.Where(r => r.Order.Reference == upper || (r.Email != null && r.Email.Contains(term)) || r.Order.ProviderReference == term);
        }
        var total = await rows.CountAsync(ct);
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        var items = await rows.OrderByDescending(r => r.Order.CreatedAt).ThenByDescending(r => r.Order.Id)
            .Skip(Math.Max(query.Page, 0) * pageSize).Take(pageSize).Select(ToView).ToListAsync(ct);
        return new PagedResult<TopUpOrderView>(items, total);
    }

    /// <summary>
    /// Finance confirms that a bank transfer arrived (or retries the credit of a paid order): the order is credited
    /// once, however often this is clicked and whatever a webhook does at the same time.
    /// </summary>
    public async Task<Result<TopUpOrderView>> ConfirmAsync(Guid orderId, string actor, CancellationToken ct = default, string? ip = null)
    {
        TopUpStatus? entered = null;
        var confirmed = await writes.RunAsync(async (db, token) =>
        {
            var order = await db.TopUpOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == orderId, token);
            if (order is null) return Write.Rollback<Result<bool>>(TopUpErrors.OrderNotFound);
            if (order.Status is not (TopUpStatus.Pending or TopUpStatus.Failed or TopUpStatus.Paid)) return Write.Rollback<Result<bool>>(TopUpErrors.CannotConfirm(order.Status));
            if (order.Status != TopUpStatus.Paid && order.Provider != ManualTransferProvider.ProviderKey) return Write.Rollback<Result<bool>>(TopUpErrors.NotManualOrder);

            var transition = await lifecycle.PaidAsync(db, orderId, null, actor, token);
            if (!transition.Changed) return Write.Rollback<Result<bool>>(TopUpErrors.CannotConfirm(transition.Status));
            entered = transition.Status;
            await audit.AppendAsync(db, new AuditEntry(actor, "topup.confirm", $"topup:{order.Reference}",
                Before: new { Status = order.Status.ToString() },
                After: new { Status = transition.Status.ToString(), order.Amount, Bucket = order.BucketKey, order.UserId }, Ip: ip), token);
            return Write.Commit<Result<bool>>(true);
        }, ct);
        if (!confirmed.Succeeded) return confirmed.Error!;
        if (entered is { } status) metrics.Entered(status);
        return (await GetAsync(orderId, ct))!;
    }

    /// <summary>Orders with their owner's email, filterable on both before the projection to <see cref="TopUpOrderView"/>.</summary>
    internal static IQueryable<OrderWithEmail> Joined(AppDbContext db) =>
        from o in db.TopUpOrders.AsNoTracking()
        join u in db.Users on o.UserId equals u.Id into users
        from u in users.DefaultIfEmpty()
        select new OrderWithEmail { Order = o, Email = u.Email };

    internal static readonly Expression<Func<OrderWithEmail, TopUpOrderView>> ToView = r => new TopUpOrderView(r.Order.Id, r.Order.Reference,
        r.Order.UserId, r.Email, r.Order.BucketKey, r.Order.Amount, r.Order.Currency, r.Order.Provider, r.Order.Status, r.Order.ProviderReference,
        r.Order.CreatedAt, r.Order.PaidAt, r.Order.CreditedAt, r.Order.FailedAt, r.Order.RefundedAt, r.Order.FailureReason, r.Order.GrantId,
        r.Order.RefundedAmount, r.Order.UnrecoveredAmount, r.Order.ConfirmedBy);

    internal sealed class OrderWithEmail
    {
        public TopUpOrder Order { get; init; } = null!;
        public string? Email { get; init; }
    }

    private static string NewReference()
    {
        Span<char> chars = stackalloc char[8];
        for (var i = 0; i < chars.Length; i++) chars[i] = ReferenceAlphabet[RandomNumberGenerator.GetInt32(ReferenceAlphabet.Length)];
        return $"TU-{chars[..4]}-{chars[4..]}";
    }
}
