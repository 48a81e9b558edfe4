namespace TokensForge.Web.Cli;

/// <summary>The words and <c>--name value</c> options of one ops command.</summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.OrdinalIgnoreCase);

    public CliArguments(IReadOnlyList<string> args)
    {
        var words = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = args[i][2..];
                _options[name] = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
            }
            else words.Add(args[i]);
        }
        Words = words;
    }

    public IReadOnlyList<string> Words { get; }

    public string? Option(string name) => _options.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>The option's value, or a <see cref="CliException"/> naming what is missing.</summary>
    public string Required(string name) => Option(name) ?? throw new CliException("missing_option", $"--{name} is required.");
}

/// <summary>A usage or input error of the CLI, or a refusal by the product: printed as one line, exit code 2.</summary>
public sealed class CliException(string code, string message) : Exception(message)
{
    public CliException(TokensForge.Core.Common.Error error) : this(error.Code, error.Message)
    {
    }

    public string Code { get; } = code;
}
