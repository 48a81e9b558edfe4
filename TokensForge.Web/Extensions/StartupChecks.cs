using Microsoft.Extensions.Options;
using TokensForge.Core.Data;

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
}
