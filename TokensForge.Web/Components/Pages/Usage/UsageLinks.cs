using MudBlazor;
using TokensForge.Core.Receipts;

namespace TokensForge.Web.Components.Pages.Usage;

/// <summary>Addresses and small formatting shared by the usage, failed-request, receipt and activity pages.</summary>
public static class UsageLinks
{
    public const string Usage = "/usage";
    public const string Failed = "/usage/failed";
    public const string Activity = "/activity";

    public static string Receipt(Guid id) => $"/receipts/{id}";


    /// <summary>Where a request came from, in words: an API key (by prefix), the playground or the research assistant.</summary>
    public static string SourceText(RequestSource source, string? keyPrefix) => source switch
    {
        RequestSource.Playground => "playground",
        RequestSource.Research => "research assistant",
        _ => $"API key {keyPrefix}…",
    };

    public static Color StatusColor(RequestStatus status) => status switch
    {
        RequestStatus.Succeeded => Color.Success,
        RequestStatus.Partial => Color.Warning,
        _ => Color.Error,
    };
}
