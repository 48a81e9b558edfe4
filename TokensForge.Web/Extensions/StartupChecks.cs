using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;

namespace TokensForge.Web.Extensions;

/// <summary>A configuration the product will not start with; <c>Program</c> prints its message as one line and exits 1.</summary>
public sealed class StartupRefusedException(string message) : Exception(message);

public static class StartupChecks
{
    /// <summary>
    /// Refuses a key ring whose certificates do not load and, in the Production environment, a ring kept unencrypted
    /// in the database — before anything (seeding the simulator's routes, say) writes a key with it.
    /// </summary>
    public static void RefuseUnprotectedKeyRing(this WebApplication app)
    {
        KeyRingOptions ring;
        try
        {
            ring = app.Services.GetRequiredService<IOptions<KeyRingOptions>>().Value;
        }
        catch (OptionsValidationException invalid)
        {
            throw new StartupRefusedException(string.Join(" ", invalid.Failures));
        }
        if (app.Environment.IsProduction() && ring.ProductionRefusal() is { } refusal) throw new StartupRefusedException(refusal);
    }

    /// <summary>
    /// Refuses a <c>Gateway:HoldTimeout</c> that is not longer than every route's total timeout: a request still running
    /// when the sweeper expires its hold could no longer be charged. Runs after migrations, since routes are data.
    /// </summary>
    public static async Task RefuseRoutesOutlastingHoldsAsync(this WebApplication app)
    {
        var hold = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.HoldTimeout;
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var holdSeconds = (int)Math.Ceiling(hold.TotalSeconds);
        var outlasting = await db.Routes.Where(r => r.TotalTimeoutSeconds >= holdSeconds).OrderBy(r => r.Name)
            .Select(r => new { r.Name, r.TotalTimeoutSeconds }).ToListAsync();
        if (outlasting.Count == 0) return;
        throw new StartupRefusedException($"Gateway:HoldTimeout ({hold.TotalSeconds:0} s) must be longer than every route's total timeout, but "
            + string.Join(", ", outlasting.Select(r => $"route '{r.Name}' may take {r.TotalTimeoutSeconds} s"))
            + ". Raise Gateway:HoldTimeout or lower those routes' total timeout on /admin/routes.");
    }
}
