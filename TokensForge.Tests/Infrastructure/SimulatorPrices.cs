using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Infrastructure;

internal static class SimulatorPrices
{
    /// <summary>A one-message prompt's tokens as the gateway counts them, and the simulator's listed prices for the model on routes of <paramref name="kind"/>.</summary>
    public static (int PromptTokens, Prices Prices) Of(GatewayHost host, string model, RouteKind kind, string prompt)
    {
        var request = new ChatCompletionRequest { Model = model, Messages = [new ChatMessage { Role = "user", Content = JsonSerializer.SerializeToElement(prompt) }] };
        var catalogue = SimulatorRoutes.Catalogue.Single(m => m.Id == model);
        var (input, output, cached) = kind == RouteKind.Routed ? catalogue.Routed : catalogue.Official;
        return (host.Get<TokenCounter>().CountPrompt(request), new Prices(Guid.Empty, input, output, cached));
    }
}

internal static class TestRoutes
{
    /// <summary>
    /// A routed route at ¥1 per million tokens in and out whose address nothing answers: for tests that place holds with
    /// <see cref="HoldPlanner"/> directly and never call an upstream.
    /// </summary>
    public static RouteCandidate HoldOnly(string name) => new(Guid.CreateVersion7(), name, RouteKind.Routed, "http://127.0.0.1:9", null, "sim-mini",
        0, 1, TimeSpan.FromSeconds(30), false, new Prices(Guid.Empty, 1_000_000, 1_000_000, 0));
}
