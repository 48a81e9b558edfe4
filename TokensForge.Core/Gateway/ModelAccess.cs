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
        if (string.IsNullOrWhiteSpace(modelId)) return (null, GatewayErrors.ModelMissing);
        var model = (await catalog.GetAsync(ct)).Find(modelId);
        if (model is null || !model.IsRoutable)
            return (null, GatewayErrors.ModelNotFound(modelId));
        if (key is not null && !key.MayUse(model.Id))
            return (null, GatewayErrors.ModelNotAllowed(modelId));
        if (model.Kind != kind)
            return (null, GatewayErrors.WrongEndpoint(modelId, model.Kind));
        return (model, null);
    }
}
