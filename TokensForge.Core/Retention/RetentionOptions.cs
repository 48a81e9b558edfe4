using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Retention;

/// <summary>The <c>Retention</c> section: how long rows that only serve a short-lived purpose are kept.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>How often the retention sweep deletes (it runs on the ledger's sweep timer, at most this often). Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Redeem-code attempts (the brute-force guard and support's view of what was typed). Default 90 days; at least a day,
    /// and longer than <c>Campaigns:AttemptWindow</c>, which counts them.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan CodeAttempts { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// <c>Idempotency-Key</c> records, counted from the first request: a repeat after this is a new request. Default 7 days;
    /// at least an hour (longer than any request can run).
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan IdempotencyRecords { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Research-allowance days, counted from the end of the day. Default 30 days; at least a day.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan ResearchAllowanceDays { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows deleted per statement, so a first prune of a large table never holds the write lock for long.</summary>
    [Range(100, 100_000)]
    public int BatchSize { get; set; } = 5_000;
}
