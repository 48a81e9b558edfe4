namespace TokensForge.Web.Seeding;

/// <summary>
/// The printed codes of the demo promo campaign "Launch promo" (¥10.00 into the routed balance), seeded with
/// <c>Demo:Seed</c>. Fixed strings so the README and journeys can use them; each is a valid code of the
/// unambiguous alphabet. One claim per account per campaign applies: an account redeems one of them.
/// </summary>
public static class DemoCodes
{
    /// <summary>Five single-use codes.</summary>
    public static readonly IReadOnlyList<string> SingleUse = ["TF-DEMX-CDEX-2222", "TF-DEMX-CDEX-3333", "TF-DEMX-CDEX-4444", "TF-DEMX-CDEX-5555", "TF-DEMX-CDEX-6666"];

    /// <summary>A code that a hundred accounts can redeem, for demos with several users.</summary>
    public const string Shared = "TF-DEMX-TEAM-7777";

    /// <summary>A code that is disabled, to show the <c>code_disabled</c> error.</summary>
    public const string Disabled = "TF-DEMX-CDEX-9999";

    public const string StarterCampaign = "Welcome credit";
    public const string PromoCampaign = "Launch promo";
}
