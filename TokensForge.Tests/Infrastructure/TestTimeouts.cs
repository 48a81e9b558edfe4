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
}
