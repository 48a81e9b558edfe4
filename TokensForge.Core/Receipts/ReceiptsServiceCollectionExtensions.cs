using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Receipts;

public static class ReceiptsServiceCollectionExtensions
{
    /// <summary>Reading receipts, usage and failed requests; the daily rollups and their sweep.</summary>
    public static IServiceCollection AddReceipts(this IServiceCollection services)
    {
        services.AddSingleton<ReceiptQueries>();
        services.AddSingleton<ActivityQueries>();
        services.AddSingleton<RequestLogQuery>();
        services.AddSingleton<DailyRollups>();
        services.AddSingleton<Ledger.IPeriodicSweep>(sp => sp.GetRequiredService<DailyRollups>());
        return services;
    }
}
