using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TokensForge.Core.TopUps;

public static class TopUpsServiceCollectionExtensions
{
    /// <summary>Top-up orders, the payment providers and the signed webhook (options section <c>Payments</c>).</summary>
    public static IServiceCollection AddTopUps(this IServiceCollection services)
    {
        services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<PaymentsOptions>, PaymentsOptionsValidator>();
        services.AddSingleton<IPaymentProvider, ManualTransferProvider>();
        services.AddSingleton<IPaymentProvider, GatewayProvider>();
        services.AddSingleton<IPaymentProvider, TestCheckoutProvider>();
        services.AddSingleton<PaymentProviders>();
        services.AddSingleton<TopUpMetrics>();
        services.AddSingleton<TopUpLifecycle>();
        services.AddSingleton<TopUpService>();
        services.AddSingleton<PaymentWebhookProcessor>();
        return services;
    }
}
