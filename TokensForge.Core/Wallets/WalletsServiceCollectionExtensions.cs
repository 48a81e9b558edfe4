using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Wallets;

public static class WalletsServiceCollectionExtensions
{
    /// <summary>Wallet balances and history, and admin balance adjustments.</summary>
    public static IServiceCollection AddWallets(this IServiceCollection services)
    {
        services.AddSingleton<WalletQueries>();
        services.AddSingleton<TransferQueries>();
        services.AddSingleton<AdjustmentService>();
        return services;
    }
}
