using TokensForge.Core.Common;
using TokensForge.Core.Wallets;

namespace TokensForge.Web.Cli;

/// <summary><c>grants add</c>: an admin adjustment, a new grant funded from <c>sys:adjustments</c>.</summary>
public static class GrantCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [new("grants add", AddAsync)];

    private static async Task<int> AddAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var bucket = args.Required("bucket").ToLowerInvariant();
        var amount = CliParse.Amount(args, "amount");
        var expires = CliParse.OptionalTime(args, "expires", "invalid_expiry");

        var grant = CliCommand.Require(await services.GetRequiredService<AdjustmentService>()
            .GrantAsync(new AdjustmentRequest(email, bucket, amount, expires, args.Option("memo"), "cli")));
        await output.WriteLineAsync($"granted {Money.Format(amount)} to {email} in {bucket}: grant {grant.GrantId}, transfer {grant.TransferId}"
            + (expires is { } e ? $", expires {CliParse.Time(e)}" : ""));
        return 0;
    }
}
