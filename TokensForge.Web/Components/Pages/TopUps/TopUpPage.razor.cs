using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using TokensForge.Core.Common;
using TokensForge.Core.TopUps;
using TokensForge.Core.Wallets;
using TokensForge.Web.Formatting;

namespace TokensForge.Web.Components.Pages.TopUps;

/// <summary>Buy routed balance or Official Credit: choose bucket and amount, then a payment method; see past orders.</summary>
public partial class TopUpPage
{
    [Inject] private TopUpService TopUps { get; set; } = null!;
    [Inject] private PaymentProviders Providers { get; set; } = null!;
    [Inject] private IOptions<PaymentsOptions> Options { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private string _userId = "";
    private string _bucket = Bucket.Routed;
    private string? _amountText;
    private string? _amountError;
    private string? _error;
    private bool _busy;
    private IReadOnlyList<IPaymentProvider> _providers = [];
    private IReadOnlyList<TopUpOrderView>? _orders;
    private (TopUpOrderView Order, CheckoutStep? Checkout)? _current;

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        _providers = Providers.Enabled;
        if (Options.Value.PresetMicros is [_, var second, ..]) _amountText = Format.Amount(second);
        await LoadOrdersAsync();
    }

    private async Task LoadOrdersAsync()
    {
        _orders = await TopUps.ListForUserAsync(_userId);
    }

    private void ChoosePreset(long micros)
    {
        _amountText = Format.Amount(micros);
        _amountError = null;
    }

    private async Task PayAsync(IPaymentProvider provider)
    {
        _error = null;
        _amountError = null;
        if (!Money.TryParseUnits(_amountText, out var amount))
        {
            _amountError = "Enter an amount such as 50 or 12.50.";
            return;
        }

        _busy = true;
        try
        {
            var created = await TopUps.CreateAsync(_userId, _bucket, amount, provider.Key);
            if (!created.Succeeded)
            {
                if (created.Error!.Code == "amount_out_of_range") _amountError = created.Error.Message;
                else _error = created.Error.Message;
                return;
            }
            await ProceedAsync(created.Value!.Order, created.Value.Checkout);
        }
        finally
        {
            _busy = false;
        }
    }

    private Task ResumeAsync(TopUpOrderView order) => ProceedAsync(order, TopUps.CheckoutFor(order));

    private async Task ProceedAsync(TopUpOrderView order, CheckoutStep? checkout)
    {
        _current = (order, checkout);
        await LoadOrdersAsync();
        if (checkout is { Kind: CheckoutKind.Redirect, Url: { } url })
            Navigation.NavigateTo(url, forceLoad: Uri.IsWellFormedUriString(url, UriKind.Absolute));
    }

    private static string BucketName(string key) => key switch
    {
        Bucket.Official => "Official Credit",
        Bucket.Routed => "Routed balance",
        _ => key,
    };

    private string ProviderName(string key) => Providers.Find(key)?.DisplayName ?? key;
}
