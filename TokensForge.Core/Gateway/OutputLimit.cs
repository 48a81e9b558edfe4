using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// The output limit of a request, per answer (per choice for chat's <c>n</c>): held for, and always sent upstream, so no
/// answer can cost more than its hold. A limit the caller names is lowered to the model's maximum output when it is
/// above it (SDKs send large defaults that the model would refuse); with none named the model's maximum is used, or
/// <see cref="GatewayOptions.DefaultMaxOutputTokens"/> for a model whose maximum is not known, within what the context
/// window leaves after the prompt.
/// </summary>
public static class OutputLimit
{
    /// <summary>The caller's limit, no more than the model's maximum output.</summary>
    public static int Clamp(int requested, CatalogModel model) => model.MaxOutputTokens is { } most ? Math.Min(requested, most) : requested;

    /// <summary>
    /// The limit for a request: <paramref name="requested"/> clamped, else the model's maximum (or the gateway's default)
    /// bounded by the context window less the prompt. At least 1: a prompt that leaves no room is refused by the shape's
    /// context check.
    /// </summary>
    public static int For(int? requested, CatalogModel model, int promptTokens, GatewayOptions options)
    {
        if (requested is { } asked) return Clamp(asked, model);
        var room = (long)model.ContextWindow - promptTokens;
        return (int)Math.Max(1, Math.Min(model.MaxOutputTokens ?? options.DefaultMaxOutputTokens, room));
    }

    /// <summary>Sets <paramref name="limit"/> on the upstream request in the one field the route's upstream reads, and clears the other.</summary>
    public static void Apply(ChatCompletionRequest upstream, RouteCandidate route, int limit)
    {
        var completion = route.LimitField == OutputLimitField.MaxCompletionTokens;
        upstream.MaxTokens = completion ? null : limit;
        upstream.MaxCompletionTokens = completion ? limit : null;
    }

    /// <summary>The JSON name of the field, as the route form and the audit trail show it.</summary>
    public static string FieldName(OutputLimitField field) => field == OutputLimitField.MaxCompletionTokens ? "max_completion_tokens" : "max_tokens";
}
