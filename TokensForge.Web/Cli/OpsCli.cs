using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TokensForge.Core.Audit;
using TokensForge.Core.Campaigns;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;
using TokensForge.Web.Components.Pages.Wallet;
using TokensForge.Web.Extensions;
using TokensForge.Web.Seeding;

namespace TokensForge.Web.Cli;

/// <summary>
/// The ops CLI: one command against the configured database, then exit, without the web server.
/// Commands call the same services as the UI. Exit codes: 0 done, 1 a verification failed, 2 bad input or refused.
/// </summary>
public static class OpsCli
{
    private delegate Task<int> Command(IServiceProvider services, CliArguments args, TextWriter output);

    private static readonly Dictionary<string, Command> Commands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["users add"] = UsersAddAsync,
        ["grants add"] = GrantsAddAsync,
        ["starter claim"] = StarterClaimAsync,
        ["codes redeem"] = CodesRedeemAsync,
        ["ledger verify"] = LedgerVerifyAsync,
        ["audit verify"] = AuditVerifyAsync,
        ["keys create"] = KeysCreateAsync,
        ["keys revoke"] = KeysRevokeAsync,
    };

    public static bool IsCommand(string[] args) =>
        args.Length > 0 && !args[0].StartsWith('-')
        && (Commands.Keys.Any(k => k.StartsWith(args[0] + " ", StringComparison.OrdinalIgnoreCase)) || IsExport(args[0]));

    /// <summary><c>export &lt;dataset&gt;</c>: the datasets are the registered <see cref="IExportDataset"/>s, so it is not a fixed table entry.</summary>
    private static bool IsExport(string word) => string.Equals(word, "export", StringComparison.OrdinalIgnoreCase);

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, IDictionary<string, string?>? configuration = null)
    {
        output ??= Console.Out;
        var parsed = new CliArguments(args);
        var name = string.Join(' ', parsed.Words.Take(2));
        if (!Commands.TryGetValue(name, out var command) && parsed.Words.Count > 0 && IsExport(parsed.Words[0])) command = ExportAsync;
        if (command is null)
        {
            await output.WriteLineAsync($"unknown_command: '{name}' is not a command. Commands: {string.Join(", ", Commands.Keys.Append("export <dataset>"))}.");
            return 2;
        }

        // Command-line words are not configuration here; settings come from appsettings and environment variables.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (configuration is not null) builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddTokensForgeServices(builder.Configuration, builder.Environment.ContentRootPath);
        await using var app = builder.Build();

        try
        {
            // The same refusal as the web host's, before the database is touched: a command would otherwise create or use
            // the unprotected ring (a grant's audit event, a key) just the same.
            app.RefuseUnprotectedKeyRing();
            var database = app.Services.GetRequiredService<DatabaseInitializer>();
            await database.RunExclusiveAsync(async () =>
            {
                if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup) await database.MigrateAsync();
                await using var preparing = app.Services.CreateAsyncScope();
                await preparing.ServiceProvider.GetRequiredService<AccountBootstrapper>().EnsureRolesAndAdminAsync();
            });
            await using var scope = app.Services.CreateAsyncScope();
            return await command(scope.ServiceProvider, parsed, output);
        }
        catch (CliException ex)
        {
            await output.WriteLineAsync($"{ex.Code}: {ex.Message}");
            return 2;
        }
        catch (StartupRefusedException refused)
        {
            await output.WriteLineAsync($"startup_refused: {refused.Message}");
            return 2;
        }
        catch (Exception ex) when (DatabaseErrors.Describe(ex) is { } error)
        {
            await output.WriteLineAsync(error.ToString());
            return 2;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await output.WriteLineAsync($"failed: {ex.GetBaseException().Message}");
            return 2;
        }
    }

    private static async Task<int> Fail(TextWriter output, Error error)
    {
        await output.WriteLineAsync(error.ToString());
        return 2;
    }

    private static async Task<int> UsersAddAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var result = await services.GetRequiredService<AccountBootstrapper>().CreateAsync(email, args.Required("password"), args.Option("role"), actor: "cli");
        if (!result.Succeeded) return await Fail(output, result.Error!);
        await output.WriteLineAsync($"user added: {email} ({string.Join(", ", new[] { Roles.User, args.Option("role") }.OfType<string>())})");
        return 0;
    }

    private static async Task<int> GrantsAddAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var bucket = args.Required("bucket").ToLowerInvariant();
        if (!Money.TryParseUnits(args.Required("amount"), out var amount))
            return await Fail(output, new Error("invalid_amount", $"'{args.Option("amount")}' is not a positive amount with at most six decimals, e.g. 12.50."));
        DateTime? expires = null;
        if (args.Option("expires") is { } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return await Fail(output, new Error("invalid_expiry", $"'{text}' is not a date and time such as 2027-01-01T00:00:00Z."));
            expires = parsed.UtcDateTime;
        }

        var result = await services.GetRequiredService<AdjustmentService>()
            .GrantAsync(new AdjustmentRequest(email, bucket, amount, expires, args.Option("memo"), "cli"));
        if (!result.Succeeded) return await Fail(output, result.Error!);
        var grant = result.Value!;
        await output.WriteLineAsync($"granted {Money.Format(amount)} to {email} in {bucket}: grant {grant.GrantId}, transfer {grant.TransferId}"
            + (expires is { } e ? $", expires {e:yyyy-MM-ddTHH:mm:ssZ}" : ""));
        return 0;
    }

    private static async Task<int> AuditVerifyAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var result = await services.GetRequiredService<AuditVerifier>().VerifyAsync();
        await output.WriteLineAsync(result.Ok
            ? $"audit ok: {result.Events} events"
            : $"audit broken at event {result.FirstBrokenSequence}: {result.Problem}");
        return result.Ok ? 0 : 1;
    }

    private static async Task<int> StarterClaimAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var userId = await UserIdAsync(services, args.Required("email"));
        if (userId is null) return await Fail(output, UserErrors.UserNotFound);
        return await PrintClaimAsync(output, await services.GetRequiredService<ClaimService>().ClaimStarterAsync(userId, clientIp: null));
    }

    private static async Task<int> CodesRedeemAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var code = args.Required("code");
        var userId = await UserIdAsync(services, email);
        if (userId is null) return await Fail(output, UserErrors.UserNotFound);
        return await PrintClaimAsync(output, await services.GetRequiredService<ClaimService>().RedeemCodeAsync(userId, code, clientIp: null));
    }

    private static async Task<string?> UserIdAsync(IServiceProvider services, string email) =>
        (await services.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email.Trim()))?.Id;

    /// <summary>Every point of the claim, as the wallet page shows it, one per line.</summary>
    private static async Task<int> PrintClaimAsync(TextWriter output, Result<RedemptionView> result)
    {
        if (!result.Succeeded) return await Fail(output, result.Error!);
        var r = result.Value!;
        string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await output.WriteLineAsync($"credited {Money.Format(r.Amount)} to {r.AccountEmail} in {r.BucketKey}");
        foreach (var (label, value) in new (string, string)[]
                 {
                     ("campaign", r.CampaignName),
                     ("code", r.Code ?? "none (starter credit)"),
                     ("bucket", $"{r.BucketKey} ({r.BucketName})"),
                     ("amount", $"{Money.Format(r.Amount)} ({Money.ToDecimalString(r.Amount)})"),
                     ("claimed at", Time(r.ClaimedAt)),
                     ("account", r.AccountEmail ?? r.UserId),
                     ("one-time rule", r.ClaimRule),
                     ("expiry rule", r.ExpiryRuleText),
                     ("expires at", r.ExpiresAt is { } e ? Time(e) : "never"),
                     ("pays official direct routes", r.PaysOfficial ? "yes" : "no"),
                     ("pays lower-cost routed routes", r.PaysRouted ? "yes" : "no"),
                     ("grant", r.GrantId.ToString()),
                     ("ledger transfer", $"{r.TransferId} ({WalletLinks.Transfer(r.TransferId)})"),
                     ("redemption", $"{r.Id} ({WalletLinks.Redemption(r.Id)})"),
                 })
        {
            await output.WriteLineAsync($"  {label + ":",-31} {value}");
        }
        return 0;
    }

    /// <summary><c>export &lt;dataset&gt; --from 2026-06-01 --to 2026-06-30 --out file.csv</c>: the same CSV as the finance page.</summary>
    private static async Task<int> ExportAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var exporter = services.GetRequiredService<CsvExporter>();
        var names = string.Join(", ", exporter.Datasets.Select(d => d.Name));
        if (args.Words.Count < 2) return await Fail(output, new Error("missing_dataset", $"Name the dataset: export <dataset>. Datasets: {names}."));
        if (exporter.Find(args.Words[1]) is not { } dataset)
            return await Fail(output, new Error("unknown_dataset", $"There is no export called '{args.Words[1]}'. Datasets: {names}."));
        var range = ExportRange.Parse(args.Required("from"), args.Required("to"));
        if (!range.Succeeded) return await Fail(output, range.Error!);
        var path = Path.GetFullPath(args.Required("out"));

        long rows;
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true))
            rows = await CsvExporter.ExportAsync(dataset, file, range.Value);
        await output.WriteLineAsync($"exported {rows} rows of {dataset.Name} ({range.Value.From:yyyy-MM-ddTHH:mm:ssZ} to {range.Value.To:yyyy-MM-ddTHH:mm:ssZ}, end excluded) to {path}");
        return 0;
    }

    private static async Task<int> LedgerVerifyAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var result = await services.GetRequiredService<LedgerVerifier>().VerifyAsync();
        foreach (var problem in result.Discrepancies) await output.WriteLineAsync(problem);
        await output.WriteLineAsync(result.Ok
            ? $"ledger ok: {result.Accounts} accounts, {result.Transfers} transfers"
            : $"ledger broken: {result.Discrepancies.Count} discrepancies in {result.Accounts} accounts, {result.Transfers} transfers");
        return result.Ok ? 0 : 1;
    }

    private static async Task<int> KeysCreateAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var keys = services.GetRequiredService<ApiKeyService>();
        var email = args.Required("email");
        var name = args.Required("name");
        var preference = RoutePreference.Auto;
        if (args.Option("preference") is { } p && !RoutePreferences.TryParse(p, out preference))
            return await Fail(output, new Error("invalid_preference", $"'{p}' is not a route preference; use auto, official or routed."));
        long? spendLimit = null;
        if (args.Option("spend-limit") is { } limitText)
        {
            if (!Money.TryParseUnits(limitText, out var limit))
                return await Fail(output, new Error("invalid_amount", $"'{limitText}' is not a positive amount with at most six decimals, e.g. 5.00."));
            spendLimit = limit;
        }
        int? rpm = null;
        if (args.Option("rpm") is { } rpmText)
        {
            if (!int.TryParse(rpmText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedRpm))
                return await Fail(output, ApiKeyErrors.InvalidRateLimit);
            rpm = parsedRpm;
        }
        DateTime? expires = null;
        if (args.Option("expires") is { } expiresText)
        {
            if (!DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return await Fail(output, new Error("invalid_expiry", $"'{expiresText}' is not a date and time such as 2027-01-01T00:00:00Z."));
            expires = parsed.UtcDateTime;
        }
        var models = args.Option("models")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

        var userId = await keys.FindUserIdByEmailAsync(email);
        if (userId is null) return await Fail(output, UserErrors.UserNotFound);
        var created = await keys.CreateAsync(userId, name, new ApiKeyPolicy(expires, models, spendLimit, preference, rpm));
        if (!created.Succeeded) return await Fail(output, created.Error!);
        var key = created.Value!.Key;
        await output.WriteLineAsync($"key created for {email}: {key.Name} ({key.Prefix}…), preference {key.RoutePreference.ToString().ToLowerInvariant()}"
            + (key.SpendLimit is { } l ? $", spend limit {Money.Format(l)}" : "")
            + (key.AllowedModels.Count > 0 ? $", models {string.Join(",", key.AllowedModels)}" : ""));
        await output.WriteLineAsync("This key is shown once; store it now:");
        await output.WriteLineAsync(created.Value.Secret);
        return 0;
    }

    private static async Task<int> KeysRevokeAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var keys = services.GetRequiredService<ApiKeyService>();
        var found = await keys.FindByPrefixAsync(args.Required("prefix"));
        if (!found.Succeeded) return await Fail(output, found.Error!);
        var revoked = await keys.RevokeAsync(found.Value!.Id, ownerUserId: null, actor: "cli");
        if (!revoked.Succeeded) return await Fail(output, revoked.Error!);
        await output.WriteLineAsync($"key revoked: {revoked.Value!.Name} ({revoked.Value.Prefix}…)");
        return 0;
    }
}
