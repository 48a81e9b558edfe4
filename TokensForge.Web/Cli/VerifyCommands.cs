using TokensForge.Core.Audit;
using TokensForge.Core.Ledger;

namespace TokensForge.Web.Cli;

/// <summary><c>ledger verify</c> and <c>audit verify</c>: exit 1 when the check finds a fault.</summary>
public static class VerifyCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [new("ledger verify", LedgerAsync), new("audit verify", AuditAsync)];

    private static async Task<int> LedgerAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var result = await services.GetRequiredService<LedgerVerifier>().VerifyAsync();
        foreach (var problem in result.Discrepancies) await output.WriteLineAsync(problem);
        await output.WriteLineAsync(result.Ok
            ? $"ledger ok: {result.Accounts} accounts, {result.Transfers} transfers"
            : $"ledger broken: {result.Discrepancies.Count} discrepancies in {result.Accounts} accounts, {result.Transfers} transfers");
        return result.Ok ? 0 : 1;
    }

    private static async Task<int> AuditAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var result = await services.GetRequiredService<AuditVerifier>().VerifyAsync();
        await output.WriteLineAsync(result.Ok
            ? $"audit ok: {result.Events} events"
            : $"audit broken at event {result.FirstBrokenSequence}: {result.Problem}");
        return result.Ok ? 0 : 1;
    }
}
