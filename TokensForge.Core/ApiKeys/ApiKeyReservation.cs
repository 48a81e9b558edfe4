namespace TokensForge.Core.ApiKeys;

/// <summary>
/// One request's share of a key's <see cref="ApiKey.SpendReserved"/>, kept beside the counter so a reservation whose
/// request never settled (its instance was killed) can be found and given back: it expires with the request's hold.
/// Written and deleted by <see cref="ApiKeySpend"/>; the counter moves only when the row does.
/// </summary>
public sealed class ApiKeyReservation
{
    private ApiKeyReservation() { }

    public Guid Id { get; private set; }
    public Guid KeyId { get; private set; }
    public long Amount { get; private set; }

    /// <summary>When the hold it was placed with expires: after that the sweeper releases it.</summary>
    public DateTime ExpiresAt { get; private set; }
}
