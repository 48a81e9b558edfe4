using System.Globalization;
using Microsoft.AspNetCore.Components;
using TokensForge.Core.Alerts;
using TokensForge.Core.Common;
using TokensForge.Web.Formatting;

namespace TokensForge.Web.Components.Pages.Wallet;

/// <summary>A user's alert thresholds and webhook, the notices raised and the webhook's delivery log.</summary>
public sealed partial class AlertsPanel
{
    [Inject] private AlertService Alerts { get; set; } = null!;

    [Parameter, EditorRequired] public string UserId { get; set; } = "";

    private string? _lowBalance;
    private string? _percents;
    private string? _webhook;
    private bool _hasSecret;
    private IReadOnlyList<NoticeView>? _notices;
    private IReadOnlyList<DeliveryView>? _deliveries;
    private string? _secret;
    private string? _error;
    private bool _saved;
    private bool _busy;

    protected override async Task OnParametersSetAsync()
    {
        var settings = await Alerts.GetAsync(UserId);
        _lowBalance = settings.LowBalance is { } low ? Money.ToDecimalString(low) : null;
        _percents = string.Join(", ", settings.BudgetPercents);
        _webhook = settings.WebhookUrl;
        _hasSecret = settings.HasSecret;
        await LoadLogAsync();
    }

    private async Task LoadLogAsync()
    {
        _notices = await Alerts.NoticesAsync(UserId);
        _deliveries = await Alerts.DeliveriesAsync(UserId);
    }

    private async Task SaveAsync()
    {
        (_error, _secret, _saved) = (null, null, false);
        long? low = null;
        if (!string.IsNullOrWhiteSpace(_lowBalance))
        {
            if (!Money.TryParseUnits(_lowBalance, out var parsed))
            {
                _error = AlertErrors.InvalidThreshold.Message;
                return;
            }
            low = parsed;
        }
        var percents = new List<int>();
        foreach (var part in (_percents ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part.TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                _error = AlertErrors.InvalidPercents.Message;
                return;
            }
            percents.Add(percent);
        }
        _busy = true;
        try
        {
            var saved = await Alerts.SaveAsync(UserId, low, percents, _webhook);
            if (!saved.Succeeded)
            {
                _error = saved.Error!.Message;
                return;
            }
            (_secret, _saved) = (saved.Value, true);
            _hasSecret = !string.IsNullOrWhiteSpace(_webhook);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task RotateAsync()
    {
        _busy = true;
        try
        {
            _secret = await Alerts.RotateSecretAsync(UserId);
        }
        finally
        {
            _busy = false;
        }
    }

    private static string State(DeliveryView d) =>
        d.DeliveredAt is { } at ? $"delivered {Format.Minute(at)} ({d.LastStatus})"
        : d.NextAttemptAt is { } next ? $"retrying at {Format.Time(next)}{(d.LastError is { } e ? $": {e}" : "")}"
        : $"given up{(d.LastError is { } last ? $": {last}" : "")}";
}
