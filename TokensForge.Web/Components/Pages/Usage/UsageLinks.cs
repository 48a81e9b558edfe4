using MudBlazor;
using TokensForge.Core.Receipts;

namespace TokensForge.Web.Components.Pages.Usage;

/// <summary>Addresses and small formatting shared by the usage, failed-request and receipt pages.</summary>
public static class UsageLinks
{
    public const string Usage = "/usage";
    public const string Failed = "/usage/failed";

    public static string Receipt(Guid id) => $"/receipts/{id}";

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'");

    public static Color StatusColor(RequestStatus status) => status switch
    {
        RequestStatus.Succeeded => Color.Success,
        RequestStatus.Partial => Color.Warning,
        _ => Color.Error,
    };
}
