using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Budgets;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;

namespace TokensForge.Core.Alerts;

/// <summary>
/// Raises alerts on the sweep timer: for each user with settings, a notice when the balance is under their threshold
/// (once a day while it stays there) and when a budget's window passes one of their percentages (once per window and
/// percentage), with a webhook delivery beside it when they have a webhook. Each alert's event id is unique in the
/// database, so instances scanning at once raise it once.
/// </summary>
public sealed class AlertScanner(IDbContextFactory<AppDbContext> contexts, WalletCapacityQuery wallets, BudgetService budgets, TimeProvider time) : IPeriodicSweep
{
    public string Name => "alerts";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<AlertSettings> all;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            all = await db.AlertSettings.AsNoTracking().ToListAsync(ct);
        }
        var raised = 0;
        foreach (var settings in all)
        {
            foreach (var (eventId, kind, message) in await DueAsync(settings, now, ct))
            {
                if (await RaiseAsync(settings, eventId, kind, message, now, ct)) raised++;
            }
        }
        return raised;
    }

    private async Task<List<(string EventId, string Kind, string Message)>> DueAsync(AlertSettings settings, DateTime now, CancellationToken ct)
    {
        var due = new List<(string, string, string)>();
        if (settings.LowBalance is { } threshold)
        {
            var available = (await wallets.GetAsync(settings.UserId, ct)).Buckets.Sum(b => b.Available);
            if (available < threshold)
                due.Add(($"low_balance:{settings.UserId}:{now:yyyy-MM-dd}", "low_balance",
                    $"Your balance is {Money.Format(available)}, below your alert threshold of {Money.Format(threshold)}. Top up or redeem a code to keep your keys working."));
        }
        var percents = settings.Percents;
        if (percents.Count == 0) return due;
        foreach (var budget in await budgets.UsageAsync(settings.UserId, ct))
        {
            var used = budget.Limit == 0 ? 100 : budget.Used * 100 / budget.Limit;
            foreach (var percent in percents.Where(p => used >= p))
            {
                var whose = budget.Scope == BudgetScope.Key ? "A key's" : "Your account's";
                due.Add(($"budget:{budget.BudgetId:N}:{budget.WindowStart:yyyyMMddHHmm}:{percent}", "budget",
                    $"{whose} {budget.Period.Adjective()} budget is {percent}% used: {Money.Format(budget.Used)} of {Money.Format(budget.Limit)}. It resets at {budget.ResetsAtText}."));
            }
        }
        return due;
    }

    private Task<bool> RaiseAsync(AlertSettings settings, string eventId, string kind, string message, DateTime now, CancellationToken ct) =>
        Raise(contexts, settings.UserId, eventId, kind, message, settings.WebhookUrl, now, ct);

    /// <summary>Writes the notice (and its webhook delivery, when a URL is given) unless the event was raised already; false when it was.</summary>
    internal static async Task<bool> Raise(IDbContextFactory<AppDbContext> contexts, string userId, string eventId, string kind, string message, string? webhookUrl,
        DateTime now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Notices.AnyAsync(n => n.EventId == eventId, ct)) return false;
        var notice = new Notice(Guid.CreateVersion7(), eventId, userId, kind, message, now);
        db.Notices.Add(notice);
        if (webhookUrl is { } url)
        {
            var payload = JsonSerializer.Serialize(new { id = eventId, type = $"alert.{kind}", created = new DateTimeOffset(now).ToUnixTimeSeconds(), message });
            db.WebhookDeliveries.Add(new WebhookDelivery(notice.Id, eventId, userId, url, payload, now));
        }
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException ex) when (DbRaces.IsRace(ex))
        {
            // Another instance raised it between our check and our insert.
            return false;
        }
    }
}
