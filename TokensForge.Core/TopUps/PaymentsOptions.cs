using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TokensForge.Core.Common;

namespace TokensForge.Core.TopUps;

/// <summary>Top-ups and payment providers (section <c>Payments</c>).</summary>
public sealed class PaymentsOptions
{
    public const string Section = "Payments";

    /// <summary>Currency of every order. Default <c>CNY</c>.</summary>
    [Required, StringLength(3, MinimumLength = 3)]
    public string Currency { get; set; } = "CNY";

    /// <summary>
    /// Amounts offered as one-click choices, in currency units. Default (when none are configured) 10, 50, 100, 500.
    /// Starts empty because configuration binding adds to an array rather than replacing it.
    /// </summary>
    public decimal[] Presets { get; set; } = [];

    private static readonly decimal[] DefaultPresets = [10m, 50m, 100m, 500m];

    /// <summary>Smallest amount of one order, in currency units. Default 1.</summary>
    [Range(typeof(decimal), "0.000001", "1000000000")]
    public decimal MinAmount { get; set; } = 1m;

    /// <summary>Largest amount of one order, in currency units. Default 50,000.</summary>
    [Range(typeof(decimal), "0.000001", "1000000000")]
    public decimal MaxAmount { get; set; } = 50_000m;

    /// <summary>
    /// The shared secret of signed webhooks (HMAC-SHA256 over <c>timestamp + "." + body</c>), for every webhook provider
    /// without a secret of its own in <see cref="Providers"/>. An enabled webhook provider needs one or the other, at least
    /// 16 characters. Never shown or logged.
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// Settings per provider key (<c>Payments:Providers:gateway:WebhookSecret</c>): a provider with its own secret accepts
    /// only events signed with it, so a leaked or shared secret of one provider cannot sign events for another.
    /// </summary>
    public Dictionary<string, PaymentProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The secret that signs <paramref name="provider"/>'s webhooks: its own, else the shared one; null when neither is set.</summary>
    public string? WebhookSecretFor(string provider)
    {
        var own = Providers.FirstOrDefault(p => string.Equals(p.Key, provider, StringComparison.OrdinalIgnoreCase)).Value?.WebhookSecret;
        var secret = string.IsNullOrEmpty(own) ? WebhookSecret : own;
        return string.IsNullOrEmpty(secret) ? null : secret;
    }

    /// <summary>How far a webhook's signed timestamp may be from now before it is refused as stale. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Offer the test checkout: a clearly labelled page that simulates a provider by posting signed events to the
    /// webhook. For the demo and development configurations only. Default false.
    /// </summary>
    public bool TestCheckoutEnabled { get; set; }

    /// <summary>Offer payment through the online gateway, which reports to the signed webhook. Default false.</summary>
    public bool GatewayEnabled { get; set; }

    /// <summary>
    /// Where the online gateway's hosted checkout lives; <c>{reference}</c>, <c>{amount}</c> and <c>{currency}</c>
    /// are replaced. Needed when <see cref="GatewayEnabled"/> is on.
    /// </summary>
    public string? GatewayCheckoutUrl { get; set; }

    /// <summary>What a user who pays by bank transfer is told; the order reference is shown with it.</summary>
    public string ManualInstructions { get; set; } =
        "Transfer the amount to Tokens Forge Ltd., account 6222 0000 0000 0000, quoting the reference below. "
        + "Your balance is credited once finance confirms the transfer, usually within one working day.";

    public long MinAmountMicros => ToMicros(MinAmount);
    public long MaxAmountMicros => ToMicros(MaxAmount);
    public IReadOnlyList<long> PresetMicros => (Presets.Length > 0 ? Presets : DefaultPresets).Select(ToMicros).Distinct().Where(p => p >= MinAmountMicros && p <= MaxAmountMicros).ToList();

    internal static long ToMicros(decimal units) => (long)decimal.Round(units * Money.MicrosPerUnit, 0, MidpointRounding.ToZero);
}

/// <summary>One payment provider's own settings (<c>Payments:Providers:{key}</c>).</summary>
public sealed class PaymentProviderOptions
{
    /// <summary>The provider's own webhook secret (at least 16 characters); empty falls back to <see cref="PaymentsOptions.WebhookSecret"/>.</summary>
    public string? WebhookSecret { get; set; }
}

/// <summary>The rules between settings that annotations cannot say, with messages that name the setting to fix.</summary>
internal sealed class PaymentsOptionsValidator : IValidateOptions<PaymentsOptions>
{
    public ValidateOptionsResult Validate(string? name, PaymentsOptions options)
    {
        var failures = new List<string>();
        if (options.MinAmount > options.MaxAmount)
            failures.Add("Payments:MinAmount must not be larger than Payments:MaxAmount.");
        foreach (var (provider, enabled, setting) in new[]
                 {
                     (GatewayProvider.ProviderKey, options.GatewayEnabled, "Payments:GatewayEnabled"),
                     (TestCheckoutProvider.ProviderKey, options.TestCheckoutEnabled, "Payments:TestCheckoutEnabled"),
                 })
        {
            if (enabled && (options.WebhookSecretFor(provider)?.Length ?? 0) < 16)
                failures.Add($"Payments:Providers:{provider}:WebhookSecret or Payments:WebhookSecret must be set (at least 16 characters) when {setting} is on.");
        }
        foreach (var (provider, own) in options.Providers)
        {
            if (own.WebhookSecret is { Length: > 0 and < 16 })
                failures.Add($"Payments:Providers:{provider}:WebhookSecret must be at least 16 characters.");
        }
        if (options.GatewayEnabled && string.IsNullOrWhiteSpace(options.GatewayCheckoutUrl))
            failures.Add("Payments:GatewayCheckoutUrl must be set when Payments:GatewayEnabled is on.");
        if (options.Presets.Any(p => p <= 0))
            failures.Add("Payments:Presets must all be positive amounts.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
