using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Tests.Gateway;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Routes;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Routing;

/// <summary>
/// An upstream key goes in once and is never given back: not by a page, an export, a log line, the audit trail or a
/// /v1 response, even when the upstream echoes it in an error message.
/// </summary>
public sealed class UpstreamKeySecrecyTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    [Fact]
    public async Task UpstreamKey_IsSentUpstream_ButAppearsInNoPage_Export_LogLine_AuditEvent_OrV1Response()
    {
        var echoedKey = "sk-echoed-" + Guid.NewGuid().ToString("N");
        var quietKey = "sk-quiet-" + Guid.NewGuid().ToString("N");
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.EchoKey401, UpstreamKey: echoedKey), new(FakeMode.Succeed, UpstreamKey: quietKey));
        await using var echoing = routes[0].Upstream;
        await using var quiet = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();
        var seen = new List<(string Where, string Text)>();

        // /v1: a request that fails over from the echoing route, a streamed one, one where every route echoes, models and receipts.
        var ok = await SendAsync(client, Chat(model, stream: false));
        var streamed = await SendAsync(client, Chat(model, stream: true));
        quiet.Mode = FakeMode.EchoKey401;
        var failed = await SendAsync(client, Chat(model, stream: false));
        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, streamed.Response.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, failed.Response.StatusCode);
        seen.Add(("v1 completion", ok.Body + ok.Response.Headers));
        seen.Add(("v1 stream", streamed.Body));
        seen.Add(("v1 failure", failed.Body + failed.Response.Headers));
        seen.Add(("v1 models", await client.GetStringAsync("v1/models")));
        foreach (var receipt in new[] { ok.Receipt, streamed.Receipt, failed.Receipt })
            seen.Add(("v1 receipt", await client.GetStringAsync($"v1/receipts/{receipt}")));

        // The admin's probe of the echoing route.
        var probe = await fixture.Host.Get<RouteProbe>().ProbeAsync(routes[0].Id);
        Assert.False(probe!.Success);
        seen.Add(("probe", JsonSerializer.Serialize(probe)));

        // Every admin page, the receipt pages and every export, as the admin sees them.
        using var admin = await fixture.Host.App.LoggedInClientAsync(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
        foreach (var path in new[]
                 {
                     "/admin", RoutingLinks.Routes, RoutingLinks.Route(routes[0].Id), RoutingLinks.Route(routes[1].Id), RoutingLinks.Models, RoutingLinks.Prices,
                     RoutingLinks.Health, "/admin/audit", $"/receipts/{ok.Receipt}", $"/receipts/{failed.Receipt}", "/usage", "/usage/failed",
                 })
        {
            var response = await admin.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            Assert.Equal(path.Split('?')[0], response.RequestMessage!.RequestUri!.AbsolutePath);
            seen.Add((path, await response.Content.ReadAsStringAsync()));
        }
        Assert.Contains(routes[0].Name, seen.Single(s => s.Where == RoutingLinks.Routes).Text);
        Assert.Contains("[redacted]", seen.Single(s => s.Where == $"/receipts/{failed.Receipt}").Text);
        var today = fixture.Time.GetUtcNow().UtcDateTime.Date;
        var datasets = await admin.GetFromJsonAsync<JsonElement[]>("/api/exports");
        Assert.NotEmpty(datasets!);
        foreach (var dataset in datasets!.Select(d => d.GetProperty("name").GetString()))
        {
            var csv = await admin.GetAsync($"/api/exports/{dataset}?from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
            Assert.True(csv.IsSuccessStatusCode, $"export {dataset}: {(int)csv.StatusCode}");
            seen.Add(($"export {dataset}", await csv.Content.ReadAsStringAsync()));
        }

        // What the database keeps for people to read: audit events, receipts and their attempts.
        await using (var db = fixture.Host.NewContext())
        {
            seen.AddRange((await db.AuditEvents.AsNoTracking().ToListAsync()).Select(e => ("audit", $"{e.Target} {e.BeforeJson} {e.AfterJson}")));
            seen.AddRange((await db.RequestAttempts.AsNoTracking().ToListAsync()).Select(a => ("attempt", a.Error ?? "")));
            seen.AddRange((await db.RequestRecords.AsNoTracking().ToListAsync()).Select(r => ("receipt", r.UpstreamError ?? "")));
            seen.AddRange((await db.Routes.AsNoTracking().ToListAsync()).Select(r => ("routes table", r.ProtectedUpstreamKey ?? "")));
        }
        seen.Add(("logs", fixture.Logs.All));

        // The keys really went upstream (so their absence elsewhere means something), and the upstream echoed one back.
        Assert.Contains("Bearer " + echoedKey, echoing.Authorizations);
        Assert.Contains("Bearer " + quietKey, quiet.Authorizations);
        Assert.Contains(seen, s => s.Where == "attempt" && s.Text.Contains("Incorrect API key provided: [redacted]"));
        Assert.NotEmpty(fixture.Logs.Lines);
        foreach (var key in new[] { echoedKey, quietKey })
        {
            var leaks = seen.Where(s => s.Text.Contains(key, StringComparison.Ordinal) || s.Text.Contains(key[^12..], StringComparison.Ordinal)).Select(s => s.Where).ToList();
            Assert.True(leaks.Count == 0, $"the upstream key leaked into: {string.Join(", ", leaks)}");
        }
    }
}
