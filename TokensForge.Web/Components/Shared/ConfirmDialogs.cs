using MudBlazor;

namespace TokensForge.Web.Components.Shared;

/// <summary>
/// The one question a destructive action asks before it runs, so every such button reads the same and the
/// cancel button is always the safe default.
/// </summary>
public static class ConfirmDialogs
{
    /// <returns>True only when the person pressed <paramref name="yesText"/>; closing the dialog is a no.</returns>
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, string title, string message, string yesText) =>
        await dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = title,
            Message = message,
            YesText = yesText,
            CancelText = "Cancel",
        }, new DialogOptions { CloseOnEscapeKey = true, MaxWidth = MaxWidth.ExtraSmall, FullWidth = true }) == true;
}
