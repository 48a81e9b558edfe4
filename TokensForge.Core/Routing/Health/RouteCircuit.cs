namespace TokensForge.Core.Routing.Health;

/// <summary>
/// A route's circuit as every instance sees it (table <c>route_circuits</c>). A row exists once a circuit opened or an
/// upstream asked to wait; it is only changed by conditional updates (<see cref="SharedCircuits"/>), so two instances
/// that decide at once cannot both win. Half-open is not stored: it is an open row whose <see cref="OpenUntil"/> passed;
/// the one probe is whoever sets <see cref="ProbeOwner"/> first.
/// </summary>
public sealed class RouteCircuit
{
    private RouteCircuit() { }

    public RouteCircuit(Guid routeId, DateTime updatedAt)
    {
        RouteId = routeId;
        UpdatedAt = updatedAt;
    }

    public Guid RouteId { get; private set; }

    /// <summary>Whether the circuit is open (or half-open, once <see cref="OpenUntil"/> passed).</summary>
    public bool IsOpen { get; private set; }

    /// <summary>When an open circuit lets one probe through.</summary>
    public DateTime? OpenUntil { get; private set; }

    /// <summary>Until when the upstream asked to wait (Retry-After); the route is skipped until then whatever the circuit.</summary>
    public DateTime? BlockedUntil { get; private set; }

    /// <summary>Why the circuit opened, for receipts and the route-health page.</summary>
    public string? Reason { get; private set; }

    /// <summary>The instance that holds the half-open probe, until <see cref="ProbeUntil"/>.</summary>
    public string? ProbeOwner { get; private set; }

    /// <summary>When an unanswered probe claim lapses and another instance may probe.</summary>
    public DateTime? ProbeUntil { get; private set; }

    public DateTime UpdatedAt { get; private set; }
}
