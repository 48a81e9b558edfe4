using TokensForge.Web.Cli;
using TokensForge.Web.Extensions;

// `dotnet run --project TokensForge.Web -- <command>` runs one ops command and exits; anything else serves the app.
if (OpsCli.IsCommand(args))
    return await OpsCli.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddTokensForge();

var app = builder.Build();
try
{
    await app.PrepareDatabaseAsync();
}
catch (StartupRefusedException refused)
{
    // One line an operator can act on, not a stack trace.
    await Console.Error.WriteLineAsync(refused.Message);
    return 1;
}
app.UseTokensForge();
await app.RunAsync();
return 0;

/// <summary>The host entry point; public so integration tests can start it with WebApplicationFactory.</summary>
public partial class Program;
