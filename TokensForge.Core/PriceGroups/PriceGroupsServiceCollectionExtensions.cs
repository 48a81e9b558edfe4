using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.PriceGroups;

public static class PriceGroupsServiceCollectionExtensions
{
    /// <summary>User groups that pay a multiple of the listed prices per route kind.</summary>
    public static IServiceCollection AddPriceGroups(this IServiceCollection services) => services.AddSingleton<PriceGroupService>();
}
