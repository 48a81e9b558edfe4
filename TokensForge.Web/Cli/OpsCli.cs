using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Web.Extensions;
using TokensForge.Web.Seeding;

namespace TokensForge.Web.Cli;

/// <summary>
/// The ops CLI: one command against the configured database, then exit, without the web server.
/// Commands call the same services as the UI. Exit codes: 0 done, 1 a verification failed, 2 bad input or refused.
/// </summary>
public static class OpsCli
{
    private static readonly Dictionary<string, CliHandler> Commands = new[]
        {
            UserCommands.All, GrantCommands.All, ClaimCommands.All, CampaignCommands.All, VerifyCommands.All, KeyCommands.All, RollupCommands.All,
        }
        .SelectMany(group => group)
        .ToDictionary(c => c.Name, c => c.Run, StringComparer.OrdinalIgnoreCase);

    public static bool IsCommand(string[] args) =>
        args.Length > 0 && !args[0].StartsWith('-')
        && (Commands.Keys.Any(k => k.StartsWith(args[0] + " ", StringComparison.OrdinalIgnoreCase)) || ExportCommands.IsExport(args[0]) || BackupCommands.IsCommand(args));

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, IDictionary<string, string?>? configuration = null)
    {
        output ??= Console.Out;
        if (BackupCommands.IsCommand(args)) return await BackupCommands.RunAsync(args, output, configuration);
        var parsed = new CliArguments(args);
        var name = string.Join(' ', parsed.Words.Take(2));
        if (!Commands.TryGetValue(name, out var command) && parsed.Words.Count > 0 && ExportCommands.IsExport(parsed.Words[0])) command = ExportCommands.ExportAsync;
        if (command is null)
        {
            await output.WriteLineAsync($"unknown_command: '{name}' is not a command. Commands: {string.Join(", ", Commands.Keys.Append(ExportCommands.Word + " <dataset>"))}.");
            return 2;
        }

        // Command-line words are not configuration here; settings come from appsettings and environment variables.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.UseSharedSettings();
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
}
