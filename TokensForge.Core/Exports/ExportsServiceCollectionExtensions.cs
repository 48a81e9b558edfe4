using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Exports;

public static class ExportsServiceCollectionExtensions
{
    /// <summary>The finance exports. Each dataset is one <see cref="IExportDataset"/> registration; order = order of the buttons.</summary>
    public static IServiceCollection AddExports(this IServiceCollection services)
    {
        services.AddSingleton<ReconciliationService>();
        services.AddSingleton<IExportDataset, LedgerTransfersExport>();
        services.AddSingleton<IExportDataset, TopUpOrdersExport>();
        services.AddSingleton<IExportDataset, ReconciliationExport>();
        services.AddSingleton<CsvExporter>();
        return services;
    }
}
