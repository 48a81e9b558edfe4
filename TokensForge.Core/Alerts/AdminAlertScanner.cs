using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Users;

namespace TokensForge.Core.Alerts;

/// <summary>
/// The admins' notices, on the sweep timer: a route's circuit opened on this instance, or an enabled campaign's budget
/// has less than a tenth left. Each admin gets each event once (its event id names the admin).
/// </summary>
public sealed class AdminAlertScanner(IDbContextFactory<AppDbContext> contexts, RouteHealthMonitor health, TimeProvider time) : IPeriodicSweep
{
    public string Name => "admin alerts";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var opened = health.TakeOpened();
        List<string> admins;
        List<(string EventId, string Message, string Kind)> due = [];
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            admins = await db.UserRoles.Join(db.Roles.Where(r => r.Name == Roles.Admin), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId).ToListAsync(ct);
            if (admins.Count == 0) return 0;
            if (opened.Count > 0)
            {
                var ids = opened.Select(o => o.RouteId).Distinct().ToList();
                var names = await db.Routes.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.Name, ct);
                due.AddRange(opened.Select(o => ($"circuit:{o.RouteId:N}:{o.At:yyyyMMddHHmmssfff}",
                    $"The circuit of route {names.GetValueOrDefault(o.RouteId, o.RouteId.ToString())} opened at {o.At:yyyy-MM-dd HH:mm:ss} UTC after repeated upstream failures; requests go to other routes until a probe succeeds.",
                    "circuit_open")));
            }
            var low = await db.Campaigns.AsNoTracking().Where(c => c.Budget != null && c.Budget > 0 && c.Status == Campaigns.CampaignStatus.Active)
                .Join(db.LedgerAccounts, c => c.FundingAccountId, a => a.Id,
                    (c, a) => new { c.Id, c.Name, Budget = c.Budget!.Value, Left = a.CreditsPosted - a.DebitsPosted - a.DebitsPending })
                .ToListAsync(ct);
            due.AddRange(low.Where(c => c.Left * 10 < c.Budget).Select(c => ($"campaign_budget:{c.Id:N}:10",
                $"Campaign {c.Name} has {Money.Format(c.Left)} of its {Money.Format(c.Budget)} budget left (under 10 %); claims stop when it runs out.",
                "campaign_budget")));
        }
        var raised = 0;
        foreach (var (eventId, message, kind) in due)
        {
            foreach (var admin in admins)
            {
                if (await AlertScanner.Raise(contexts, admin, $"{eventId}:{admin}", kind, message, null, now, ct)) raised++;
            }
        }
        return raised;
    }
}
