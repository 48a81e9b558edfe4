using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Accounts;

/// <summary>What people type into account forms: refused with a readable message on every database, never a 500.</summary>
public sealed class AccountInputTests
{
    private static readonly string Overlong = new string('a', 301 - "@example.com".Length) + "@example.com";

    public static TheoryData<string, string> RefusedEmails => new()
    {
        { Overlong, "at most 254 characters" },
        { "a@b", "does not look like an email address" },
        { "someone@localhost", "does not look like an email address" },
        { "name@example..com", "does not look like an email address" },
        { "dot@example.c", "does not look like an email address" },
    };

    [Theory]
    [MemberData(nameof(RefusedEmails))]
    public async Task Register_ImplausibleOrOverlongEmail_ReadableRefusal_NoAccount_Sqlite(string email, string message) =>
        await RegisterRefusedAsync(email, message, database: null);

    [SkippableTheory]
    [MemberData(nameof(RefusedEmails))]
    public async Task Register_ImplausibleOrOverlongEmail_ReadableRefusal_NoAccount_Postgres(string email, string message)
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var pg = await PostgresScratch.CreateAsync();
        await RegisterRefusedAsync(email, message, pg.Settings());
    }

    private static async Task RegisterRefusedAsync(string email, string message, Dictionary<string, string?>? database)
    {
        using var app = new TokensForgeApp(database);
        using var client = app.FormClient();

        var response = await client.SubmitFormAsync("/Account/Register", Form(email));
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(page));
        Assert.DoesNotContain("   at ", page);
        await using var scope = app.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email));

        var fine = await client.SubmitFormAsync("/Account/Register", Form("someone@example.com"));
        Assert.Equal(HttpStatusCode.Redirect, fine.StatusCode);
    }

    private static Dictionary<string, string> Form(string email) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = "Pass-word-1",
        ["Input.ConfirmPassword"] = "Pass-word-1",
    };

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Cli_OverlongEmailOrMemo_OneCodeMessageLine_Exit2(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var pg = provider == TestProvider.Postgres ? await PostgresScratch.CreateAsync() : null;
        using var cli = new CliDatabase();
        foreach (var (key, value) in pg?.Settings() ?? []) cli.Settings[key] = value;

        var user = await cli.RunAsync("users", "add", "--email", Overlong, "--password", "Ops-pass-1");
        await cli.RunAsync("users", "add", "--email", "ops@example.com", "--password", "Ops-pass-1");
        var grant = await cli.RunAsync("grants", "add", "--email", "ops@example.com", "--bucket", "routed", "--amount", "1", "--memo", new string('m', 400));

        Assert.Equal((2, "invalid_user: An email address has at most 254 characters."), user);
        Assert.Equal(2, grant.Exit);
        Assert.Single(grant.Output.Split('\n'));
        Assert.StartsWith("invalid_memo: ", grant.Output);
    }
}
