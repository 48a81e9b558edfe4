using Microsoft.AspNetCore.Components.Authorization;

namespace TokensForge.Web.Components.Pages.Admin;

/// <summary>Addresses of the admin pages, and who is acting.</summary>
public static class AdminLinks
{
    public const string Campaigns = "/admin/campaigns";
    public const string Codes = "/admin/codes";
    public const string GenerateCodes = "/admin/codes/generate";
    public const string Redemptions = "/admin/redemptions";
    public const string Audit = "/admin/audit";
    public const string Users = "/admin/users";
    public const string Requests = "/admin/requests";

    public static string User(string userId) => $"{Users}/{Uri.EscapeDataString(userId)}";

    /// <summary>The request log filtered to one account's requests.</summary>
    public static string RequestsOf(string email) => $"{Requests}?user={Uri.EscapeDataString(email)}";

    /// <summary>The request log filtered to one key (by its prefix).</summary>
    public static string RequestsOfKey(string prefix) => $"{Requests}?key={Uri.EscapeDataString(prefix)}";

    public static string CampaignResults(Guid campaignId) => $"{Campaigns}/{campaignId}";

    public static string GenerateCodesFor(Guid campaignId) => $"{GenerateCodes}?campaign={campaignId}";

    public static string CodesOf(Guid campaignId) => $"{Codes}?campaign={campaignId}";

    public static string CodesOfBatch(Guid batchId) => $"{Codes}?batch={batchId}";

    public static string RedemptionsOf(Guid campaignId) => $"{Redemptions}?campaign={campaignId}";


    /// <summary>The signed-in admin's name (their email), as the audit trail records it.</summary>
    public static async Task<string> ActorAsync(Task<AuthenticationState> state) => (await state).User.Identity?.Name ?? "admin";
}
