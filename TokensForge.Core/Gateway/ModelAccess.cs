using TokensForge.Core.ApiKeys;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>Which models a caller sees and may call: routable catalogue models, narrowed by the key's allowlist.</summary>
public sealed class ModelAccess(RouteCatalog catalog)
{
    public async ValueTask<IReadOnlyList<CatalogModel>> ListAsync(KeyPrincipal? key, CancellationToken ct = default) =>
        (await catalog.GetAsync(ct)).Routable.Where(m => key is null || key.MayUse(m.Id)).ToList();

    /// <summary>The model to call, or 404 (unknown or no route serves it), 403 (not on the key's allowlist), 400 (wrong endpoint).</summary>
    public async ValueTask<(CatalogModel? Model, GatewayError? Error)> ResolveAsync(string? modelId, ModelKind kind, KeyPrincipal? key, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(modelId)) return (null, GatewayError.Invalid("You must provide a model parameter.", "model"));
        var model = (await catalog.GetAsync(ct)).Find(modelId);
        if (model is null || !model.IsRoutable)
            return (null, new GatewayError(GatewayErrorKind.ModelNotFound, "model_not_found", $"The model '{modelId}' does not exist or you do not have access to it.", "model"));
        if (key is not null && !key.MayUse(model.Id))
            return (null, new GatewayError(GatewayErrorKind.ModelNotAllowed, "model_not_allowed", $"This API key is not allowed to use the model '{modelId}'.", "model"));
        if (model.Kind != kind)
            return (null, GatewayError.Invalid($"The model '{modelId}' is {(model.Kind == ModelKind.Embedding ? "an embeddings" : "a chat")} model and cannot be used with this endpoint.", "model"));
        return (model, null);
    }
}
