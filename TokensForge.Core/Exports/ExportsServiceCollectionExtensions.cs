using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Exports;

public static class ExportsServiceCollectionExtensions
{
    /// <summary>The finance exports. Each dataset is one <see cref="IExportDataset"/> registration; order = order of the buttons.</summary>
    public static IServiceCollection AddExports(this IServiceCollection services)
    {
        services.AddSingleton<ReconciliationService>();
        services.AddSingleton<IExportDataset, LedgerTransfersExport>();
        services.AddSingleton<IExportDataset, RedemptionsExport>();
        services.AddSingleton<IExportDataset, ReceiptsExport>();
        services.AddSingleton<IExportDataset, FailedRequestsExport>();
        services.AddSingleton<IExportDataset, TopUpOrdersExport>();
        services.AddSingleton<IExportDataset, CodesExport>();
        services.AddSingleton<IExportDataset, AuditEventsExport>();
        services.AddSingleton<IExportDataset, ReconciliationExport>();
        services.AddSingleton<CsvExporter>();
        services.AddSingleton<OwnExports>();
        return services;
    }
}
