using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace TokensForge.Web.Extensions;

/// <summary>
/// The shared <c>appsettings.json</c> sits at the repository root beside the solution and the README, where operators
/// look for it, and the build copies it next to the executable; the environment files
/// (<c>appsettings.Development.json</c>) stay in the content root. The default host looks for the shared file in the
/// content root, so both the web host and the ops CLI point that source at the executable's directory instead.
/// </summary>
public static class SharedSettings
{
    public const string FileName = "appsettings.json";

    /// <summary>Reads <see cref="FileName"/> from the build output, in the place (and so the precedence) the default source had.</summary>
    public static ConfigurationManager UseSharedSettings(this ConfigurationManager configuration)
    {
        var sources = ((IConfigurationBuilder)configuration).Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not JsonConfigurationSource { Path: FileName } shared) continue;
            sources[i] = new JsonConfigurationSource
            {
                FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
                Path = FileName,
                Optional = shared.Optional,
                // No watcher: this provider is the host's own and nothing disposes it, so a watcher (an inotify instance,
                // 128 per user by default) would outlive every host a test run starts. A changed shared file takes a restart.
                ReloadOnChange = false,
            };
            break;
        }
        return configuration;
    }
}
