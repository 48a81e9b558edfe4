using Microsoft.EntityFrameworkCore;

namespace TokensForge.Core.Data;

/// <summary>What a <see cref="ChangeStamp"/> row stands for.</summary>
public enum ChangeArea
{
    /// <summary>API keys, their owners' state, budgets and price groups: the key cache.</summary>
    Keys = 1,

    /// <summary>Models, routes and prices: the route catalogue.</summary>
    Routes = 2,
}

/// <summary>
/// One row per <see cref="ChangeArea"/> whose <see cref="Version"/> grows with every change in that area, bumped in the
/// changing transaction. Each instance reads the rows at most once a second and drops its cached copy of an area when
/// its version moved, so a change made by any instance or the CLI applies everywhere within about a second.
/// </summary>
public sealed class ChangeStamp
{
    private ChangeStamp() { }

    public ChangeArea Area { get; private set; }
    public long Version { get; private set; }

    /// <summary>Moves an area's version inside the caller's transaction (a single-row conditional update, no read).</summary>
    public static Task BumpAsync(AppDbContext db, ChangeArea area, CancellationToken ct) =>
        db.ChangeStamps.Where(s => s.Area == area).ExecuteUpdateAsync(s => s.SetProperty(x => x.Version, x => x.Version + 1), ct);

    public static Task<long> ReadAsync(AppDbContext db, ChangeArea area, CancellationToken ct) =>
        db.ChangeStamps.AsNoTracking().Where(s => s.Area == area).Select(s => s.Version).FirstOrDefaultAsync(ct);
}
