using Microsoft.Extensions.Options;

namespace TokensForge.Core.TopUps;

/// <summary>What the user does next to pay an order.</summary>
public enum CheckoutKind
{
    /// <summary>Show the instructions (a bank transfer quoting the reference).</summary>
    Instructions,

    /// <summary>Send the browser to <see cref="CheckoutStep.Url"/>.</summary>
    Redirect,
}

/// <summary>The next step of a checkout, as a provider describes it.</summary>
public sealed record CheckoutStep(CheckoutKind Kind, string? Instructions = null, string? Url = null);

/// <summary>
/// A way to pay a top-up. Providers only start a checkout; the payment is confirmed by an admin (manual) or by a
/// signed webhook event (<see cref="UsesWebhook"/>), and both end in <see cref="TopUpLifecycle"/>.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>Stable key, stored on orders and used in the webhook path <c>/api/payments/webhook/{key}</c>.</summary>
    string Key { get; }

    string DisplayName { get; }
    string Description { get; }

    /// <summary>Whether users may choose it now (from configuration).</summary>
    bool IsEnabled { get; }

    /// <summary>Whether it reports payments through the signed webhook.</summary>
    bool UsesWebhook { get; }

    /// <summary>Whether it is a simulation that must be labelled as such wherever it shows.</summary>
    bool IsTest { get; }

    CheckoutStep Start(TopUpOrderView order);
}

/// <summary>Bank transfer: the user gets instructions and a reference; finance confirms receipt in the orders grid.</summary>
public sealed class ManualTransferProvider(IOptions<PaymentsOptions> options) : IPaymentProvider
{
    public const string ProviderKey = "manual";
    public string Key => ProviderKey;
    public string DisplayName => "Bank transfer";
    public string Description => "Pay by bank transfer; credited when finance confirms receipt.";
    public bool IsEnabled => true;
    public bool UsesWebhook => false;
    public bool IsTest => false;

    public CheckoutStep Start(TopUpOrderView order) => new(CheckoutKind.Instructions, options.Value.ManualInstructions);
}

/// <summary>An online payment gateway with a hosted checkout page; it reports paid, failed and refunded through the signed webhook.</summary>
public sealed class GatewayProvider(IOptions<PaymentsOptions> options) : IPaymentProvider
{
    public const string ProviderKey = "gateway";
    public string Key => ProviderKey;
    public string DisplayName => "Online payment";
    public string Description => "Pay online by card or wallet; credited as soon as the payment gateway confirms it.";
    public bool IsEnabled => options.Value.GatewayEnabled;
    public bool UsesWebhook => true;
    public bool IsTest => false;

    public CheckoutStep Start(TopUpOrderView order) => new(CheckoutKind.Redirect, Url: (options.Value.GatewayCheckoutUrl ?? "")
        .Replace("{reference}", Uri.EscapeDataString(order.Reference), StringComparison.Ordinal)
        .Replace("{amount}", Common.Money.ToDecimalString(order.Amount), StringComparison.Ordinal)
        .Replace("{currency}", order.Currency, StringComparison.Ordinal));
}

/// <summary>
/// A simulated provider for demos and development: its checkout page posts correctly signed events to the real
/// webhook, so the whole payment path runs without a payment gateway. Off unless configured.
/// </summary>
public sealed class TestCheckoutProvider(IOptions<PaymentsOptions> options) : IPaymentProvider
{
    public const string ProviderKey = "test";
    public string Key => ProviderKey;
    public string DisplayName => "Test checkout (simulated)";
    public string Description => "Simulated payment for demos: no money moves.";
    public bool IsEnabled => options.Value.TestCheckoutEnabled;
    public bool UsesWebhook => true;
    public bool IsTest => true;

    public CheckoutStep Start(TopUpOrderView order) => new(CheckoutKind.Redirect, Url: $"topup/test-checkout/{order.Id}");
}

/// <summary>The registered providers, by key.</summary>
public sealed class PaymentProviders(IEnumerable<IPaymentProvider> providers)
{
    private readonly IReadOnlyList<IPaymentProvider> _all = providers.ToList();

    public IReadOnlyList<IPaymentProvider> All => _all;
    public IReadOnlyList<IPaymentProvider> Enabled => _all.Where(p => p.IsEnabled).ToList();

    public IPaymentProvider? Find(string key) => _all.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
}
