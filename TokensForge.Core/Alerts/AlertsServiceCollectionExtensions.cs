using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Alerts;

public static class AlertsServiceCollectionExtensions
{
    /// <summary>Low-balance and budget alerts: in-app notices and signed webhooks, raised and delivered on the sweep timer.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AlertService>();
        services.AddSingleton<AlertScanner>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<AdminAlertScanner>();
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<AdminAlertScanner>());
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<AlertScanner>());
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<WebhookSender>());
        return services;
    }
}
