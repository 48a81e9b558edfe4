using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Budgets;

public static class BudgetsServiceCollectionExtensions
{
    /// <summary>Per-key and per-user budgets that reset per day, week or month.</summary>
    public static IServiceCollection AddBudgets(this IServiceCollection services)
    {
        services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.Section).ValidateDataAnnotations()
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Budgets:TimeZone must be a time zone id known to this machine, such as Asia/Shanghai or UTC.")
            .ValidateOnStart();
        services.AddSingleton<BudgetCalendar>();
        services.AddSingleton<BudgetService>();
        services.AddSingleton<BudgetReservationSweeper>();
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<BudgetReservationSweeper>());
        return services;
    }
}
