using System.Diagnostics;
using System.Diagnostics.Metrics;
using TokensForge.Core.Telemetry;

namespace TokensForge.Core.TopUps;

/// <summary>Top-up orders entering each state (<c>pending</c> when created, then <c>paid</c>, <c>credited</c>, <c>failed</c>, <c>refunded</c>), counted once committed.</summary>
public sealed class TopUpMetrics
{
    private readonly Counter<long> _events;

    public TopUpMetrics(IMeterFactory meters) =>
        _events = meters.Create(TelemetryNames.Meter).CreateCounter<long>("tokensforge.topup.events", "{event}", "Top-up orders entering a state, by state.");

    public void Entered(TopUpStatus status) => _events.Add(1, new TagList { { "state", StateTag(status) } });

    private static string StateTag(TopUpStatus status) => status switch
    {
        TopUpStatus.Pending => "pending",
        TopUpStatus.Paid => "paid",
        TopUpStatus.Credited => "credited",
        TopUpStatus.Failed => "failed",
        TopUpStatus.Refunded => "refunded",
        _ => "other",
    };
}
