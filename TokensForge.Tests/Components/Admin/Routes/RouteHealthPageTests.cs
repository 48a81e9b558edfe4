using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Gateway;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Routes;
using TokensForge.Web.Extensions;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Components.Admin.Routes;

/// <summary>
/// The route-health page on one instance shows what another instance did: the circuit that instance opened (from the shared
/// table) and the last hour of every instance's receipts and attempts (the records the metrics count), next to its own figures.
/// </summary>
public sealed class RouteHealthPageTests
{
    [Fact]
    public async Task OnTheOtherInstance_ShowsTheSharedOpenCircuit_AndEveryInstancesReceiptsAndAttempts()
    {
        await using var a = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["Routing:CircuitBreaker:ConsecutiveFailures"] = "2",
            ["Routing:CircuitBreaker:MinimumRequests"] = "1000",
        });
        await using var b = a.StartAnotherInstance();
        var (model, routes) = await RoutesAsync(a, new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var failing = routes[0].Upstream;
        await using var healthy = routes[1].Upstream;
        var (userId, _) = await a.AddUserAsync(("routed", Funds), ("official", Funds));
        using var viaA = a.Client((await a.CreateKeyAsync(userId)).Secret);
        for (var i = 0; i < 2; i++) Assert.Equal(System.Net.HttpStatusCode.OK, (await SendAsync(viaA, Chat(model, stream: false))).Response.StatusCode);
        // B reads the shared circuits once a second.
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        await using var ctx = PageTestContext.Create(b.App.Services, TokensForgeApp.AdminEmail, null, "Admin");
        ctx.Services.AddSingleton(new ClientAddress("10.1.2.3"));
        var page = ctx.Render<RouteHealthPage>();

        page.WaitForAssertion(() => page.Find($"tr:has([data-route='{routes[0].Name}']) [data-testid=health-cluster]"));
        string Cell(FakeRoute route, string id) => page.Find($"tr:has([data-route='{route.Name}']) [data-testid={id}]").TextContent.Trim();
        Assert.Equal("open", Cell(routes[0], "health-circuit"));
        Assert.Equal("down", Cell(routes[0], "health-status"));
        Assert.StartsWith("Opened after repeated failures; the last: HTTP 500", Cell(routes[0], "health-circuit-reason"));
        // Both receipts name the route that answered; the failing route has two failed attempts. B itself saw nothing.
        Assert.Equal("0 (0) · 2 (2)", Cell(routes[0], "health-cluster"));
        Assert.Equal("2 (0) · 2 (0)", Cell(routes[1], "health-cluster"));
        Assert.Equal("0 / 0", Cell(routes[0], "health-requests"));
        Assert.Equal("closed", Cell(routes[1], "health-circuit"));
        Assert.Equal(RequestStatus.Succeeded, (await ReceiptStatusesAsync(a)).Distinct().Single());
    }

    private static async Task<List<RequestStatus>> ReceiptStatusesAsync(GatewayHost host)
    {
        await using var db = host.NewContext();
        return db.RequestRecords.Select(r => r.Status).ToList();
    }
}
