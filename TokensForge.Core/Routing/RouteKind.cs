namespace TokensForge.Core.Routing;

/// <summary>What kind of upstream a route is; buckets say which kinds they may pay.</summary>
public enum RouteKind
{
    /// <summary>An official direct route at the model vendor's own price.</summary>
    Official,

    /// <summary>A lower-cost routed route through a third-party upstream.</summary>
    Routed,
}
