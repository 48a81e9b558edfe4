using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace TokensForge.Web.Extensions;

/// <summary>
/// Reading the client address from <c>X-Forwarded-For</c> behind a reverse proxy (section <c>ForwardedHeaders</c>).
/// Off by default: the header is trusted only from the proxies and networks listed here, since anyone else could
/// send it to dodge the per-address limits.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Apply <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from known proxies. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Addresses of the proxies to trust, e.g. <c>10.0.0.5</c>. Starts empty.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of proxies to trust in CIDR form, e.g. <c>10.0.0.0/8</c>. Starts empty.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may add to the header. Default 1.</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        if (!options.Enabled) return ValidateOptionsResult.Success;
        var failures = new List<string>();
        if (options.KnownProxies.Length == 0 && options.KnownNetworks.Length == 0)
            failures.Add("ForwardedHeaders:Enabled needs ForwardedHeaders:KnownProxies or ForwardedHeaders:KnownNetworks: the proxies whose X-Forwarded-For is trusted.");
        failures.AddRange(options.KnownProxies.Where(p => !IPAddress.TryParse(p, out _)).Select(p => $"ForwardedHeaders:KnownProxies: '{p}' is not an IP address."));
        failures.AddRange(options.KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)).Select(n => $"ForwardedHeaders:KnownNetworks: '{n}' is not a network in CIDR form (10.0.0.0/8)."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class ProxySupportExtensions
{
    public static IServiceCollection AddProxySupport(this IServiceCollection services)
    {
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxy) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = proxy.Value.ForwardLimit;
            // Only what is configured: not even the loopback defaults.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var address in proxy.Value.KnownProxies)
                if (IPAddress.TryParse(address, out var ip)) forwarded.KnownProxies.Add(ip);
            foreach (var network in proxy.Value.KnownNetworks)
                if (IPNetwork.TryParse(network, out var net)) forwarded.KnownIPNetworks.Add(net);
        });
        return services;
    }

    /// <summary>First in the pipeline when enabled, so every later step (limits, records) sees the client's address.</summary>
    public static WebApplication UseProxySupport(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.Enabled) app.UseForwardedHeaders();
        return app;
    }
}
