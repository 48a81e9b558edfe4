namespace TokensForge.Tests.Infrastructure;

/// <summary>One running app shared by the tests of a class; each test makes its own user and key.</summary>
public sealed class GatewayHostFixture : IAsyncLifetime
{
    public GatewayHost Host { get; private set; } = null!;

    /// <summary>Short route timeouts, so the timeout test does not wait long.</summary>
    public const int RouteTimeoutSeconds = 3;

    public Task InitializeAsync()
    {
        Host = GatewayHost.Start(new Dictionary<string, string?> { ["Simulator:TimeoutSeconds"] = RouteTimeoutSeconds.ToString() });
        return Task.CompletedTask;
    }

    /// <summary>Whatever the tests did, the ledger must still balance: a broken invariant fails the class.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            var verification = await Host.VerifyLedgerAsync();
            Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
        }
        finally
        {
            await Host.DisposeAsync();
        }
    }
}
