using System.Runtime.CompilerServices;

namespace TokensForge.Tests.Infrastructure;

/// <summary>
/// Waits long enough for a loaded two-core CI machine. These bound how long a test waits for something that should
/// happen; they assert nothing about speed (benchmarks in bench/ do that).
/// </summary>
internal static class TestTimeouts
{
    [ModuleInitializer]
    internal static void Apply()
    {
        Bunit.BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(20_000);
    }

    /// <summary>
    /// Waits up to 10 s for something another process or thread reports after the fact (a socket's abort seen by the
    /// other end, a write finished), then asserts it, describing the state when it never came.
    /// </summary>
    internal static async Task EventuallyAsync(Func<bool> condition, Func<string> state)
    {
        for (var waited = 0; !condition() && waited < 10_000; waited += 50) await Task.Delay(50);
        Xunit.Assert.True(condition(), state());
    }
}
