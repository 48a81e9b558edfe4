using TokensForge.Core.Users;
using TokensForge.Web.Seeding;

namespace TokensForge.Web.Cli;

/// <summary><c>users add</c>.</summary>
public static class UserCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [new("users add", AddAsync)];

    private static async Task<int> AddAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var result = await services.GetRequiredService<AccountBootstrapper>().CreateAsync(email, args.Required("password"), args.Option("role"), actor: "cli");
        CliCommand.Require(result);
        await output.WriteLineAsync($"user added: {email} ({string.Join(", ", new[] { Roles.User, args.Option("role") }.OfType<string>())})");
        return 0;
    }
}
