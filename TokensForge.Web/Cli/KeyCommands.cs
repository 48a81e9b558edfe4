using System.Globalization;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Routing;

namespace TokensForge.Web.Cli;

/// <summary><c>keys create</c> (the secret is printed once) and <c>keys revoke</c>.</summary>
public static class KeyCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [new("keys create", CreateAsync), new("keys revoke", RevokeAsync)];

    private static async Task<int> CreateAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var name = args.Required("name");
        var preference = RoutePreference.Auto;
        if (args.Option("preference") is { } p && !RoutePreferences.TryParse(p, out preference))
            throw new CliException("invalid_preference", $"'{p}' is not a route preference; use auto, official or routed.");
        var spendLimit = CliParse.OptionalAmount(args, "spend-limit");
        // The key's own errors, so the CLI and the keys page refuse a bad limit alike.
        var rpm = OptionalCount(args, "rpm", ApiKeyErrors.InvalidRateLimit);
        var tpm = OptionalCount(args, "tpm", ApiKeyErrors.InvalidTokenLimit);
        var concurrency = OptionalCount(args, "max-concurrent", ApiKeyErrors.InvalidConcurrencyLimit);
        var expires = CliParse.OptionalTime(args, "expires", "invalid_expiry");
        var models = args.Option("models")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

        var userId = await CliUsers.IdAsync(services, email);
        var created = CliCommand.Require(await services.GetRequiredService<ApiKeyService>()
            .CreateAsync(userId, name, new ApiKeyPolicy(expires, models, spendLimit, preference, rpm, tpm, concurrency)));
        var key = created.Key;
        await output.WriteLineAsync($"key created for {email}: {key.Name} ({key.Prefix}…), preference {key.RoutePreference.ToString().ToLowerInvariant()}"
            + (key.SpendLimit is { } l ? $", spend limit {Money.Format(l)}" : "")
            + (key.AllowedModels.Count > 0 ? $", models {string.Join(",", key.AllowedModels)}" : ""));
        await output.WriteLineAsync("This key is shown once; store it now:");
        await output.WriteLineAsync(created.Secret);
        return 0;
    }

    private static async Task<int> RevokeAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var keys = services.GetRequiredService<ApiKeyService>();
        var found = CliCommand.Require(await keys.FindByPrefixAsync(args.Required("prefix")));
        var revoked = CliCommand.Require(await keys.RevokeAsync(found.Id, ownerUserId: null, actor: "cli"));
        await output.WriteLineAsync($"key revoked: {revoked.Name} ({revoked.Prefix}…)");
        return 0;
    }

    private static int? OptionalCount(CliArguments args, string option, Core.Common.Error invalid)
    {
        if (args.Option(option) is not { } text) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : throw new CliException(invalid);
    }
}
