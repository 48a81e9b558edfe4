using Microsoft.Extensions.Options;

namespace TokensForge.Core.Upstreams;

/// <summary>The app's own address from <see cref="SimulatorOptions.BaseUrl"/> only; the web host replaces it with one that asks the server.</summary>
public sealed class ConfiguredSelfAddress(IOptions<SimulatorOptions> options) : ISelfAddress
{
    public Uri? BaseAddress => string.IsNullOrWhiteSpace(options.Value.BaseUrl) ? null : new Uri(options.Value.BaseUrl.TrimEnd('/'));
}
