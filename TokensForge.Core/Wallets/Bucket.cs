using TokensForge.Core.Routing;

namespace TokensForge.Core.Wallets;

/// <summary>
/// A kind of balance with its own rule for what it may pay (DESIGN §2). Buckets are data:
/// seeded with the three below and editable by admins until they hold entries.
/// </summary>
public sealed class Bucket
{
    public const string Official = "official";
    public const string Routed = "routed";
    public const string Starter = "starter";

    private Bucket() { }

    public Bucket(string key, string displayName, bool paysOfficial, bool paysRouted, int sortOrder)
    {
        Key = key;
        DisplayName = displayName;
        PaysOfficial = paysOfficial;
        PaysRouted = paysRouted;
        SortOrder = sortOrder;
    }

    public string Key { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public bool PaysOfficial { get; private set; }
    public bool PaysRouted { get; private set; }
    public int SortOrder { get; private set; }

    public bool Pays(RouteKind kind) => kind == RouteKind.Official ? PaysOfficial : PaysRouted;

    /// <summary>What a balance in this bucket may pay, in words for the wallet page.</summary>
    public string PaysDescription => (PaysOfficial, PaysRouted) switch
    {
        (true, true) => "Official direct routes and lower-cost routed routes",
        (false, true) => "Lower-cost routed routes only",
        (true, false) => "Official direct routes only",
        _ => "Nothing",
    };

    internal static readonly Bucket[] Seed =
    [
        new(Official, "Official Credit", paysOfficial: true, paysRouted: true, sortOrder: 1),
        new(Routed, "Routed balance", paysOfficial: false, paysRouted: true, sortOrder: 2),
        new(Starter, "Starter balance", paysOfficial: false, paysRouted: true, sortOrder: 3),
    ];
}
