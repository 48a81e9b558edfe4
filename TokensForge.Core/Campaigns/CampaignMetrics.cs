using System.Diagnostics;
using System.Diagnostics.Metrics;
using TokensForge.Core.Telemetry;

namespace TokensForge.Core.Campaigns;

/// <summary>Starter claims and code redemptions by campaign, and refused redemptions by reason.</summary>
public sealed class CampaignMetrics
{
    private readonly Counter<long> _claims;
    private readonly Counter<long> _redemptions;
    private readonly Counter<long> _refusals;

    public CampaignMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Meter);
        _claims = meter.CreateCounter<long>("tokensforge.campaign.claims", "{claim}", "Starter credit claimed, by campaign.");
        _redemptions = meter.CreateCounter<long>("tokensforge.campaign.redemptions", "{redemption}", "Codes redeemed, by campaign.");
        _refusals = meter.CreateCounter<long>("tokensforge.campaign.refusals", "{refusal}", "Claims and redemptions refused, by error code.");
    }

    public void Claimed(RedemptionView redemption)
    {
        var tags = new TagList { { "campaign", redemption.CampaignName } };
        if (redemption.Code is null) _claims.Add(1, tags);
        else _redemptions.Add(1, tags);
    }

    public void Refused(string errorCode) => _refusals.Add(1, new TagList { { "code", errorCode } });
}
