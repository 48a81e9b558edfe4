using System.Globalization;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// OpenAI's rate-limit headers, which SDKs and agent frameworks read to pace themselves:
/// <c>x-ratelimit-limit-requests</c>, <c>-remaining-requests</c>, <c>-reset-requests</c> and the <c>-tokens</c> trio,
/// for the limits the key has, on every <c>/v1</c> answer to a key that has them. Resets are durations in OpenAI's form
/// (<c>1s</c>, <c>6m0s</c>). A key without requests- or tokens-per-minute limits has no numbers to state and gets none.
/// </summary>
internal static class RateLimitHeaders
{
    /// <summary>
    /// Called once a key is authenticated: the headers are written when the answer starts, streamed or not, success or
    /// refusal. A model request's admission fills the report; any other answer (models, receipts, a quote, a refusal
    /// before admission) states the key's current counters without counting itself.
    /// </summary>
    public static void Track(HttpContext context, KeyPrincipal key)
    {
        if (key.RequestsPerMinute is null && key.TokensPerMinute is null) return;
        var report = new RateLimitReport();
        context.Items[typeof(RateLimitReport)] = report;
        context.Response.OnStarting(async () =>
        {
            if (!report.Reported)
            {
                try
                {
                    report.Report(await context.RequestServices.GetRequiredService<ApiKeyRateLimiter>().PeekAsync(key, CancellationToken.None));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The answer matters more than its headers: send it without them.
                    context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimitHeaders))
                        .LogWarning(ex, "Reading the rate-limit counters of key {KeyId} failed; answering without x-ratelimit headers", key.KeyId);
                    return;
                }
            }
            Write(context.Response.Headers, "requests", report.Requests);
            Write(context.Response.Headers, "tokens", report.Tokens);
        });
    }

    /// <summary>The report <see cref="Track"/> set up for this request, for the pipeline's admission to fill; null for a key without limits.</summary>
    public static RateLimitReport? Report(HttpContext context) => context.Items[typeof(RateLimitReport)] as RateLimitReport;

    private static void Write(IHeaderDictionary headers, string what, RateLimitState? state)
    {
        if (state is null) return;
        headers[$"x-ratelimit-limit-{what}"] = state.Limit.ToString(CultureInfo.InvariantCulture);
        headers[$"x-ratelimit-remaining-{what}"] = state.Remaining.ToString(CultureInfo.InvariantCulture);
        headers[$"x-ratelimit-reset-{what}"] = Duration(state.Reset);
    }

    internal static string Duration(TimeSpan wait)
    {
        var seconds = Math.Max(0, (int)Math.Ceiling(wait.TotalSeconds));
        return seconds < 60 ? $"{seconds}s" : $"{seconds / 60}m{seconds % 60}s";
    }
}
