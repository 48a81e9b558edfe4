using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TokensForge.Web.Extensions;

/// <summary>
/// The IP address of the browser behind the current circuit, for records that keep it (redemptions, the code
/// brute-force guard). Captured when the circuit opens; null when it could not be seen.
/// </summary>
public sealed class ClientAddress
{
    public ClientAddress() { }

    public ClientAddress(string? ip) => Ip = ip;

    public string? Ip { get; internal set; }
}

/// <summary>Reads the remote address of the connection that opened the circuit.</summary>
internal sealed class ClientAddressCircuitHandler(IHttpContextAccessor http, ClientAddress address) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The circuit's connection is the WebSocket request that carried it; its HttpContext is only there while it is up.
        address.Ip ??= http.HttpContext?.Connection.RemoteIpAddress?.ToString();
        return Task.CompletedTask;
    }
}

public static class ClientAddressServiceCollectionExtensions
{
    public static IServiceCollection AddClientAddress(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<ClientAddress>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, ClientAddressCircuitHandler>());
        return services;
    }
}
