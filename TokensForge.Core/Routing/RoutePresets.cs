namespace TokensForge.Core.Routing;

/// <summary>A starting point for a route to a well-known OpenAI-compatible upstream: base URL and model ids to edit.</summary>
public sealed record RoutePreset(string Key, string Name, RouteKind Kind, string BaseUrl, IReadOnlyList<ModelMapping> Models, string Notes);

/// <summary>Presets for common OpenAI-compatible upstreams. Model ids change often: they fill the form, the admin checks them.</summary>
public static class RoutePresets
{
    public static readonly IReadOnlyList<RoutePreset> All =
    [
        new("openai", "OpenAI", RouteKind.Official, "https://api.openai.com/v1",
            [new("gpt-4o-mini", "gpt-4o-mini"), new("gpt-4o", "gpt-4o"), new("text-embedding-3-small", "text-embedding-3-small")],
            "Official OpenAI API; key from platform.openai.com."),
        new("anthropic", "Anthropic (OpenAI-compatible)", RouteKind.Official, "https://api.anthropic.com/v1",
            [new("claude-sonnet-4", "claude-sonnet-4-0"), new("claude-3-5-haiku", "claude-3-5-haiku-latest")],
            "Anthropic's OpenAI SDK compatibility endpoint; key from console.anthropic.com."),
        new("gemini", "Google Gemini (OpenAI-compatible)", RouteKind.Official, "https://generativelanguage.googleapis.com/v1beta/openai",
            [new("gemini-2.0-flash", "gemini-2.0-flash"), new("text-embedding-004", "text-embedding-004")],
            "Gemini's OpenAI-compatible endpoint; key from Google AI Studio."),
        new("deepseek", "DeepSeek", RouteKind.Official, "https://api.deepseek.com/v1",
            [new("deepseek-chat", "deepseek-chat"), new("deepseek-reasoner", "deepseek-reasoner")],
            "DeepSeek's own API."),
        new("openrouter", "OpenRouter", RouteKind.Routed, "https://openrouter.ai/api/v1",
            [new("gpt-4o-mini", "openai/gpt-4o-mini"), new("gpt-4o", "openai/gpt-4o"), new("deepseek-chat", "deepseek/deepseek-chat")],
            "A third-party router: model ids carry the vendor prefix."),
        new("vllm", "Local vLLM", RouteKind.Routed, "http://127.0.0.1:8000/v1",
            [new("llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct")],
            "vLLM's OpenAI-compatible server (vllm serve); the key is whatever --api-key was set to, or none."),
        new("ollama", "Local Ollama", RouteKind.Routed, "http://127.0.0.1:11434/v1",
            [new("llama3.2", "llama3.2")],
            "Ollama's OpenAI-compatible endpoint; it needs no key."),
        new("simulator", "Built-in simulator", RouteKind.Routed, SimulatorRoutes.BaseUrl,
            [.. SimulatorRoutes.Catalogue.Select(m => new ModelMapping(m.Id, m.Upstream))],
            "This app's own simulated upstream (when Simulator:Enabled): labelled simulated, key = Simulator:ApiKey."),
    ];

    public static RoutePreset? Find(string? key) => All.FirstOrDefault(p => p.Key == key);
}
