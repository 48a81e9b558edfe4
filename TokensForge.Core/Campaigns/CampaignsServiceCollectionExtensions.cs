using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Campaigns;

public static class CampaignsServiceCollectionExtensions
{
    /// <summary>Campaigns, redeem codes, claims and the redemption history.</summary>
    public static IServiceCollection AddCampaigns(this IServiceCollection services)
    {
        services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<CampaignMetrics>();
        services.AddSingleton<ClaimService>();
        services.AddSingleton<RedemptionQueries>();
        services.AddSingleton<CampaignQueries>();
        services.AddSingleton<CodeQueries>();
        services.AddSingleton<CampaignResultsQueries>();
        return services;
    }
}
