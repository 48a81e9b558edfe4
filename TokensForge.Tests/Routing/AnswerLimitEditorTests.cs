using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Gateway;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Routes;
using TokensForge.Web.Extensions;

namespace TokensForge.Tests.Routing;

/// <summary>
/// The route form edits the answer limit in KiB, within the range the service accepts (values outside it are brought to
/// its ends; the service's own refusal is tested in <c>AnswerLimitTests</c>).
/// </summary>
public sealed class AnswerLimitEditorTests
{
    [Theory]
    [InlineData("128", 128 * 1024)]
    [InlineData("63", Route.MinMaxAnswerBytes)]
    [InlineData("300000", Route.MaxMaxAnswerBytes)]
    public async Task RouteEditor_AnswerLimit_SavedInKiB_WithinTheAcceptedRange(string kib, int stored)
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var route = (await db.Get<RouteAdminQueries>().ListRoutesAsync()).First(r => r.Name == SimulatorRoutes.RoutedName);
        Assert.Equal(Route.DefaultMaxAnswerBytes, route.MaxAnswerBytes);
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
        page.WaitForAssertion(() => Assert.Equal((Route.DefaultMaxAnswerBytes / 1024).ToString(), page.Find("[data-testid=route-max-answer] input").GetAttribute("value")));
        page.Find("[data-testid=route-max-answer] input").Change(kib);
        await page.Find("[data-testid=save-route]").ClickAsync(new());

        page.WaitForAssertion(() => page.Find("[data-testid=route-saved]"));
        Assert.Equal(stored, (await db.Get<RouteAdminQueries>().GetRouteAsync(route.Id))!.MaxAnswerBytes);
    }
}
