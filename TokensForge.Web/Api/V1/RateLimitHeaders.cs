using System.Globalization;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// OpenAI's rate-limit headers, which SDKs and agent frameworks read to pace themselves:
/// <c>x-ratelimit-limit-requests</c>, <c>-remaining-requests</c>, <c>-reset-requests</c> and the <c>-tokens</c> trio,
/// for the limits the key has. Resets are durations in OpenAI's form (<c>1s</c>, <c>6m0s</c>).
/// </summary>
internal static class RateLimitHeaders
{
    public static void Write(IHeaderDictionary headers, RateLimitReport report)
    {
        Write(headers, "requests", report.Requests);
        Write(headers, "tokens", report.Tokens);
    }

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
