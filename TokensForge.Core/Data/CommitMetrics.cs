using System.Diagnostics.Metrics;
using TokensForge.Core.Telemetry;

namespace TokensForge.Core.Data;

/// <summary>How many write units each database commit carried and how long the commit took (batch start to durable).</summary>
public sealed class CommitMetrics
{
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _latency;

    public CommitMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Meter);
        _batchSize = meter.CreateHistogram<int>("tokensforge.ledger.commit.batch_size", "{unit}", "Write units committed together in one transaction.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _latency = meter.CreateHistogram<double>("tokensforge.ledger.commit.latency", "s", "Time from a transaction's start to its commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    public void Committed(int units, TimeSpan elapsed)
    {
        _batchSize.Record(units);
        _latency.Record(elapsed.TotalSeconds);
    }
}
