namespace TokensForge.Web.Links;

/// <summary>Addresses of the wallet's detail pages, so results (on the pages and in the ops CLI) can link to the rows they created.</summary>
public static class WalletLinks
{
    public const string Redemptions = "/wallet/redemptions";

    public static string Transfer(Guid transferId) => $"/wallet/transfers/{transferId}";

    public static string Redemption(Guid redemptionId) => $"{Redemptions}?id={redemptionId}#{RedemptionAnchor(redemptionId)}";

    /// <summary>The element id of a redemption's row on the history page.</summary>
    public static string RedemptionAnchor(Guid redemptionId) => $"redemption-{redemptionId}";
}
