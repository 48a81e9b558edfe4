using TokensForge.Core.Common;

namespace TokensForge.Web.Cli;

/// <summary>Runs one command in a fresh scope; returns its exit code (0 done, 1 a verification failed, 2 refused).</summary>
public delegate Task<int> CliHandler(IServiceProvider services, CliArguments args, TextWriter output);

/// <summary>One command of the ops CLI: the words that name it (<c>keys create</c>) and what it does.</summary>
public sealed record CliCommand(string Name, CliHandler Run)
{
    /// <summary>The result of a use case, or a <see cref="CliException"/> with its error (printed as one line, exit 2).</summary>
    public static T Require<T>(Result<T> result) => result.Succeeded ? result.Value! : throw new CliException(result.Error!);
}
