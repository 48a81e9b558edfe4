namespace TokensForge.Core.Ledger;

/// <summary>
/// The fixed system accounts, seeded by the migrations with stable ids so every database has them.
/// Campaign budget accounts (<c>sys:promo:{campaignId}</c>) are created with their campaign.
/// </summary>
public static class SystemAccounts
{
    public const string PaymentsClearing = "sys:payments:clearing";
    public const string RevenueOfficial = "sys:revenue:official";
    public const string RevenueRouted = "sys:revenue:routed";
    public const string Research = "sys:research";
    public const string Breakage = "sys:breakage";
    public const string Adjustments = "sys:adjustments";

    public static readonly Guid PaymentsClearingId = new("00000000-0000-0000-0000-000000000001");
    public static readonly Guid RevenueOfficialId = new("00000000-0000-0000-0000-000000000002");
    public static readonly Guid RevenueRoutedId = new("00000000-0000-0000-0000-000000000003");
    public static readonly Guid ResearchId = new("00000000-0000-0000-0000-000000000004");
    public static readonly Guid BreakageId = new("00000000-0000-0000-0000-000000000005");
    public static readonly Guid AdjustmentsId = new("00000000-0000-0000-0000-000000000006");

    public static Guid RevenueFor(Routing.RouteKind kind) => kind == Routing.RouteKind.Official ? RevenueOfficialId : RevenueRoutedId;

    public static string PromoAddress(Guid campaignId) => $"sys:promo:{campaignId}";

    public static string GrantAddress(string userId, Guid grantId) => $"user:{userId}:grant:{grantId}";

    internal static readonly (Guid Id, string Address)[] Seed =
    [
        (PaymentsClearingId, PaymentsClearing),
        (RevenueOfficialId, RevenueOfficial),
        (RevenueRoutedId, RevenueRouted),
        (ResearchId, Research),
        (BreakageId, Breakage),
        (AdjustmentsId, Adjustments),
    ];
}
