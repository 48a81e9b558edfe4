using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Routes;
using TokensForge.Web.Extensions;

namespace TokensForge.Tests.Routing;

/// <summary>A hold must outlive the longest a route may take: checked at start-up and whenever a route is saved.</summary>
public sealed class HoldTimeoutTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tf-hold-timeout-tests", Guid.NewGuid().ToString("N"));

    public HoldTimeoutTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task Startup_HoldTimeoutNotLongerThanARoutesTotalTimeout_RefusedInOneLineNamingTheRoutes()
    {
        // The simulated routes are seeded with the default total timeout of 600 s.
        var run = await HostProcess.RunAsync(_directory, "Testing", new Dictionary<string, string>
        {
            ["Simulator__Enabled"] = "true",
            ["Gateway__HoldTimeout"] = "00:10:00",
        });

        Assert.Equal(1, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("Gateway:HoldTimeout (600 s) must be longer than every route's total timeout", line);
        Assert.Contains($"route '{SimulatorRoutes.OfficialName}' may take {Route.DefaultTotalTimeoutSeconds} s", line);
        Assert.Contains($"route '{SimulatorRoutes.RoutedName}' may take {Route.DefaultTotalTimeoutSeconds} s", line);
        Assert.DoesNotContain(" at ", run.Errors + run.Output);
    }

    [Fact]
    public async Task Startup_HoldTimeoutLongerThanEveryRoute_Starts()
    {
        var run = await HostProcess.RunAsync(_directory, "Testing", new Dictionary<string, string>
        {
            ["Simulator__Enabled"] = "true",
            ["Gateway__HoldTimeout"] = "00:10:01",
        });

        Assert.True(run.Exit is null, $"exited {run.Exit}: {run.Errors}");
    }

    [Theory]
    [InlineData(900, "timeout_outlasts_hold")]
    [InlineData(3600, "timeout_outlasts_hold")]
    [InlineData(899, null)]
    public async Task SaveRoute_TotalTimeoutNotBelowTheHoldTimeout_Refused(int totalSeconds, string? error)
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();

        var saved = await db.Get<RouteAdministration>().CreateRouteAsync(new RouteDraft("slow", RouteKind.Routed, "https://upstream.example/v1", 10, 1, 5, 30,
            totalSeconds, true, [new ModelMapping("gpt-4o-mini", "gpt-4o-mini")]), new AdminActor("test"));

        Assert.Equal(error, saved.Error?.Code);
        if (error is not null)
            Assert.Contains($"The total timeout ({totalSeconds} s) must be shorter than Gateway:HoldTimeout (900 s)", saved.Error!.Message);
    }

    [Fact]
    public async Task RouteEditor_TotalTimeoutAtTheHoldTimeout_ShowsTheReason_AndChangesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var route = (await db.Get<RouteAdminQueries>().ListRoutesAsync()).First(r => r.Name == SimulatorRoutes.RoutedName);
        await using var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(db.Get<RouteAdminQueries>());
        ctx.Services.AddSingleton(db.Get<RouteAdministration>());
        ctx.Services.AddSingleton(db.Get<RouteHealthMonitor>());
        ctx.Services.AddSingleton(db.Get<RouteProbe>());
        ctx.Services.AddSingleton(new ClientAddress("10.1.2.3"));
        ctx.AddAuthorization().SetAuthorized("admin@test.local").SetRoles("Admin");

        var page = ctx.Render<RouteEditorPage>(p => p.Add(x => x.Id, route.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=route-form]"));
        page.Find("[data-testid=route-total-timeout] input").Change("900");
        await page.Find("[data-testid=save-route]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("timeout_outlasts_hold", page.Find("[data-testid=route-error]").GetAttribute("data-error-code")));
        Assert.Contains("must be shorter than Gateway:HoldTimeout", page.Find("[data-testid=route-error]").TextContent);
        Assert.Equal(Route.DefaultTotalTimeoutSeconds, (await db.Get<RouteAdminQueries>().GetRouteAsync(route.Id))!.TotalTimeoutSeconds);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
