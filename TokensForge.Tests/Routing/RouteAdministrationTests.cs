using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Routing;

public sealed class RouteAdministrationTests
{
    private const string Secret = "sk-test-0123456789-upstream-secret";
    private static readonly AdminActor Admin = new("admin@test.local", "10.0.0.7");

    private static RouteDraft Draft(string name = "openrouter-main", string? key = Secret, bool enabled = true, params ModelMapping[] models) => new(
        name, RouteKind.Routed, "https://openrouter.example/api/v1/", Priority: 10, Weight: 2, ConnectTimeoutSeconds: 5, FirstByteTimeoutSeconds: 20,
        TotalTimeoutSeconds: 120, enabled, models.Length == 0 ? [new ModelMapping("gpt-4o-mini", "openai/gpt-4o-mini")] : models, key);

    private static async Task<TestDatabase> SeededAsync()
    {
        var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        return db;
    }

    private static async Task<List<AuditEvent>> AuditAsync(TestDatabase db)
    {
        await using var context = db.NewContext();
        return await context.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();
    }

    [Fact]
    public async Task CreateRoute_StoresKeyEncrypted_AuditsWithoutKey_AndTheCatalogueServesIt()
    {
        await using var db = await SeededAsync();
        var catalog = db.Get<RouteCatalog>();
        Assert.Equal(2, (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Count);

        var created = await db.Get<RouteAdministration>().CreateRouteAsync(Draft(), Admin);
        await db.Get<RouteAdministration>().SetPricesAsync(new PriceDraft(created.Value, "gpt-4o-mini", 100_000, 400_000, 50_000), Admin);

        Assert.True(created.Succeeded, created.Error?.ToString());
        await using var context = db.NewContext();
        var route = await context.Routes.AsNoTracking().Include(r => r.Models).SingleAsync(r => r.Id == created.Value);
        Assert.NotNull(route.ProtectedUpstreamKey);
        Assert.DoesNotContain(Secret, route.ProtectedUpstreamKey);
        Assert.Equal(Secret, db.Get<UpstreamKeyProtector>().Unprotect(route.ProtectedUpstreamKey!));
        Assert.Equal("https://openrouter.example/api/v1", route.BaseUrl);
        Assert.Equal((5, 20, 120), (route.ConnectTimeoutSeconds, route.TimeoutSeconds, route.TotalTimeoutSeconds));
        Assert.False(route.IsSimulated);
        var events = await AuditAsync(db);
        Assert.Equal(["route.create", "price.change"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal("admin@test.local", e.Actor));
        Assert.All(events, e => Assert.Equal("10.0.0.7", e.Ip));
        Assert.All(events, e => Assert.DoesNotContain(Secret, (e.BeforeJson ?? "") + e.AfterJson));
        Assert.Contains("\"upstreamKeySet\":true", events[0].AfterJson);
        var served = (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Single(r => r.RouteId == created.Value);
        Assert.Equal("openai/gpt-4o-mini", served.UpstreamModelId);
        Assert.Equal(TimeSpan.FromSeconds(5), served.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), served.TotalTimeout);
    }

    [Fact]
    public async Task CreateRoute_RelativeBaseUrl_IsTheSimulator_LabelledSimulated()
    {
        await using var db = await SeededAsync();

        var created = await db.Get<RouteAdministration>().CreateRouteAsync(Draft("my-sim") with { BaseUrl = "/sim/v1" }, Admin);

        Assert.True((await db.Get<RouteAdminQueries>().GetRouteAsync(created.Value))!.IsSimulated);
    }

    [Theory]
    [InlineData("", "route_name_required")]
    [InlineData("sim-routed", "route_name_taken")]
    public async Task CreateRoute_BadOrTakenName_Refused(string name, string code)
    {
        await using var db = await SeededAsync();

        var created = await db.Get<RouteAdministration>().CreateRouteAsync(Draft(name), Admin);

        Assert.Equal(code, created.Error?.Code);
        Assert.Empty(await AuditAsync(db));
    }

    [Fact]
    public async Task CreateRoute_InvalidSettings_RefusedWithTheirCodes()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();

        Assert.Equal("invalid_base_url", (await admin.CreateRouteAsync(Draft() with { BaseUrl = "ftp://x" }, Admin)).Error?.Code);
        Assert.Equal("invalid_base_url", (await admin.CreateRouteAsync(Draft() with { BaseUrl = "https://user:pw@host/v1" }, Admin)).Error?.Code);
        Assert.Equal("invalid_timeout", (await admin.CreateRouteAsync(Draft() with { ConnectTimeoutSeconds = 0 }, Admin)).Error?.Code);
        Assert.Equal("invalid_timeout", (await admin.CreateRouteAsync(Draft() with { TotalTimeoutSeconds = 10, FirstByteTimeoutSeconds = 20 }, Admin)).Error?.Code);
        Assert.Equal("invalid_priority", (await admin.CreateRouteAsync(Draft() with { Priority = -1 }, Admin)).Error?.Code);
        Assert.Equal("route_serves_no_model", (await admin.CreateRouteAsync(Draft() with { Models = [] }, Admin)).Error?.Code);
        Assert.Equal("unknown_model", (await admin.CreateRouteAsync(Draft(models: new ModelMapping("no-such-model", "x")), Admin)).Error?.Code);
        Assert.Equal("duplicate_model", (await admin.CreateRouteAsync(Draft(models: [new("gpt-4o", "a"), new("gpt-4o", "b")]), Admin)).Error?.Code);
        Assert.Empty(await AuditAsync(db));
    }

    [Fact]
    public async Task RouteProtocol_IsSavedAudited_AndInTheCatalogue_AndDecidesWhichFrontDoorsTheRouteServes()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var anthropic = Draft("claude-direct") with { BaseUrl = "https://api.anthropic.example/v1", Protocol = RouteProtocol.Anthropic };

        var created = await admin.CreateRouteAsync(anthropic, Admin);
        await admin.SetPricesAsync(new PriceDraft(created.Value, "gpt-4o-mini", 100_000, 400_000, 10_000), Admin);
        var openAi = await admin.CreateRouteAsync(Draft("responses-native") with { NativeResponses = true }, Admin);
        await admin.SetPricesAsync(new PriceDraft(openAi.Value, "gpt-4o-mini", 100_000, 400_000, 10_000), Admin);
        var switched = await admin.UpdateRouteAsync(openAi.Value, Draft("responses-native") with { NativeResponses = false }, Admin);

        Assert.True(created.Succeeded && openAi.Succeeded && switched.Succeeded);
        var summary = (await db.Get<RouteAdminQueries>().GetRouteAsync(created.Value))!;
        Assert.Equal((RouteProtocol.Anthropic, false), (summary.Protocol, summary.NativeResponses));
        var events = await AuditAsync(db);
        Assert.Contains("\"protocol\":\"anthropic\"", events.First(e => e.Action == "route.create").AfterJson);
        var update = events.Single(e => e.Action == "route.update");
        Assert.Contains("\"nativeResponses\":true", update.BeforeJson);
        Assert.Contains("\"nativeResponses\":false", update.AfterJson);

        var routes = (await db.Get<RouteCatalog>().GetAsync()).Find("gpt-4o-mini")!.Routes;
        var claude = routes.Single(r => r.RouteId == created.Value);
        Assert.Equal(RouteProtocol.Anthropic, claude.Protocol);
        List<string> Serving(string endpoint) => RouteSelection.Order(routes, RoutePreference.Auto, p => 0, endpoint).Select(r => r.RouteName).ToList();
        Assert.Contains("claude-direct", Serving("messages"));
        Assert.DoesNotContain("claude-direct", Serving("chat.completions"));
        Assert.DoesNotContain("claude-direct", Serving("responses"));
        Assert.DoesNotContain("claude-direct", RouteSelection.Order(routes, RoutePreference.Auto, p => 0).Select(r => r.RouteName));
        Assert.Contains("responses-native", Serving("chat.completions"));
    }

    [Fact]
    public async Task RouteProtocol_NativeResponsesOnAnAnthropicRoute_OrAnEmbeddingModel_Refused()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var anthropic = Draft("claude-direct") with { Protocol = RouteProtocol.Anthropic };

        Assert.Equal("invalid_protocol", (await admin.CreateRouteAsync(anthropic with { NativeResponses = true }, Admin)).Error?.Code);
        Assert.Equal("invalid_protocol", (await admin.CreateRouteAsync(anthropic with { Models = [new("text-embedding-3-small", "x")] }, Admin)).Error?.Code);
        Assert.Equal("invalid_protocol", (await admin.CreateRouteAsync(anthropic with { Protocol = (RouteProtocol)7 }, Admin)).Error?.Code);
        Assert.Empty(await AuditAsync(db));
    }

    [Fact]
    public async Task UpdateRoute_EmptyKeyKeepsTheStoredKey_NewKeyReplacesIt_AuditSaysReplacedNeverTheKey()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var id = (await admin.CreateRouteAsync(Draft(), Admin)).Value;

        var kept = await admin.UpdateRouteAsync(id, Draft() with { Priority = 3, NewUpstreamKey = null }, Admin);
        string keyAfterKeep;
        await using (var context = db.NewContext()) keyAfterKeep = db.Get<UpstreamKeyProtector>().Unprotect((await context.Routes.SingleAsync(r => r.Id == id)).ProtectedUpstreamKey!);
        var replaced = await admin.UpdateRouteAsync(id, Draft() with { Priority = 3, NewUpstreamKey = "sk-rotated-key-777" }, Admin);

        Assert.True(kept.Succeeded && replaced.Succeeded);
        Assert.Equal(Secret, keyAfterKeep);
        await using var ctx = db.NewContext();
        Assert.Equal("sk-rotated-key-777", db.Get<UpstreamKeyProtector>().Unprotect((await ctx.Routes.SingleAsync(r => r.Id == id)).ProtectedUpstreamKey!));
        var updates = (await AuditAsync(db)).Where(e => e.Action == "route.update").ToList();
        Assert.Equal(2, updates.Count);
        Assert.Contains("\"priority\":10", updates[0].BeforeJson);
        Assert.Contains("\"priority\":3", updates[0].AfterJson);
        Assert.Contains("\"upstreamKeyReplaced\":false", updates[0].AfterJson);
        Assert.Contains("\"upstreamKeyReplaced\":true", updates[1].AfterJson);
        Assert.All(updates, e => Assert.DoesNotContain("sk-", e.BeforeJson + e.AfterJson));
    }

    [Fact]
    public async Task UpdateRoute_ReplacesTheModelMap_DisablingWritesRouteDisable_AndTheCatalogueDropsTheRoute()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var id = (await admin.CreateRouteAsync(Draft(models: [new("gpt-4o-mini", "a"), new("gpt-4o", "b")]), Admin)).Value;
        await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o-mini", 1, 2, 1), Admin);
        await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o", 1, 2, 1), Admin);
        var catalog = db.Get<RouteCatalog>();
        Assert.Contains((await catalog.GetAsync()).Find("gpt-4o")!.Routes, r => r.RouteId == id);

        var updated = await admin.UpdateRouteAsync(id, Draft(models: new ModelMapping("gpt-4o-mini", "a2")) with { Enabled = false }, Admin);

        Assert.True(updated.Succeeded);
        var view = (await db.Get<RouteAdminQueries>().GetRouteAsync(id))!;
        Assert.Equal([new ModelMapping("gpt-4o-mini", "a2")], view.Models);
        Assert.False(view.Enabled);
        Assert.Equal(["route.create", "price.change", "price.change", "route.update", "route.disable"], (await AuditAsync(db)).Select(e => e.Action));
        Assert.DoesNotContain((await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes, r => r.RouteId == id);
    }

    [Fact]
    public async Task SetEnabled_FlipsOnce_AuditsEachFlip_AndMovesTheCatalogue()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var routed = (await db.Get<RouteAdminQueries>().ListRoutesAsync()).Single(r => r.Name == SimulatorRoutes.RoutedName);
        var catalog = db.Get<RouteCatalog>();
        await catalog.GetAsync();

        var off = await admin.SetEnabledAsync(routed.Id, false, Admin);
        var again = await admin.SetEnabledAsync(routed.Id, false, Admin);
        var servedWhileOff = (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Select(r => r.RouteName).ToList();
        var on = await admin.SetEnabledAsync(routed.Id, true, Admin);

        Assert.True(off.Value);
        Assert.False(again.Value);
        Assert.True(on.Value);
        Assert.Equal([SimulatorRoutes.OfficialName], servedWhileOff);
        Assert.Equal(["route.disable", "route.enable"], (await AuditAsync(db)).Select(e => e.Action));
        Assert.Equal(2, (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Count);
    }

    [Fact]
    public async Task SetPrices_AddsSnapshots_KeepsTheOldOnes_ScheduledOnesApplyWhenDue_HistoryShowsWhoMadeEach()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var queries = db.Get<RouteAdminQueries>();
        var catalog = db.Get<RouteCatalog>();
        var routed = (await queries.ListRoutesAsync()).Single(r => r.Name == SimulatorRoutes.RoutedName);
        var seeded = (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Single(r => r.RouteId == routed.Id).Prices.SnapshotId;
        db.Time.Advance(TimeSpan.FromSeconds(1));

        var now = await admin.SetPricesAsync(new PriceDraft(routed.Id, "gpt-4o-mini", 500_000, 2_000_000, 250_000), Admin);
        var inForceNow = (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Single(r => r.RouteId == routed.Id).Prices;
        var later = await admin.SetPricesAsync(new PriceDraft(routed.Id, "gpt-4o-mini", 600_000, 2_400_000, 300_000,
            db.Time.GetUtcNow().UtcDateTime.AddHours(1)), new AdminActor("pricing@test.local"));
        var stillNow = (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Single(r => r.RouteId == routed.Id).Prices.SnapshotId;
        db.Time.Advance(TimeSpan.FromHours(1));
        var afterSchedule = (await catalog.GetAsync()).Find("gpt-4o-mini")!.Routes.Single(r => r.RouteId == routed.Id).Prices.SnapshotId;
        var history = await queries.PriceHistoryAsync(routed.Id, "gpt-4o-mini");

        Assert.Equal(now.Value!.Id, inForceNow.SnapshotId);
        Assert.Equal(2_000_000, inForceNow.Output);
        Assert.Equal(now.Value.Id, stillNow);
        Assert.Equal(later.Value!.Id, afterSchedule);
        Assert.Equal([later.Value.Id, now.Value.Id, seeded], history.Select(h => h.Id));
        Assert.Equal([PriceStatus.Current, PriceStatus.Superseded, PriceStatus.Superseded], history.Select(h => h.Status));
        Assert.Equal(["pricing@test.local", "admin@test.local", "seed"], history.Select(h => h.CreatedBy));
        var change = (await AuditAsync(db)).Last();
        Assert.Equal("price.change", change.Action);
        Assert.Equal("route:sim-routed/model:gpt-4o-mini", change.Target);
        Assert.Contains("500000", change.BeforeJson);
        Assert.Contains("600000", change.AfterJson);
    }

    [Fact]
    public async Task SetPrices_RefusesThePast_NegativePrices_AndModelsTheRouteDoesNotServe()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var id = (await admin.CreateRouteAsync(Draft(), Admin)).Value;

        Assert.Equal("price_effective_in_past", (await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o-mini", 1, 1, 1, db.Time.GetUtcNow().UtcDateTime.AddHours(-1)), Admin)).Error?.Code);
        Assert.Equal("invalid_price", (await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o-mini", -1, 1, 1), Admin)).Error?.Code);
        Assert.Equal("invalid_price", (await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o-mini", 1, 1, 1, CacheWrite5mPrice: -1), Admin)).Error?.Code);
        Assert.Equal("invalid_price", (await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o-mini", 1, 1, 1, CacheWrite1hPrice: -1), Admin)).Error?.Code);
        Assert.Equal("model_not_served", (await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o", 1, 1, 1), Admin)).Error?.Code);
        Assert.Equal("route_not_found", (await admin.SetPricesAsync(new PriceDraft(Guid.NewGuid(), "gpt-4o", 1, 1, 1), Admin)).Error?.Code);
        await using var context = db.NewContext();
        Assert.Equal(0, await context.PriceSnapshots.CountAsync(p => p.RouteId == id));
    }

    [Fact]
    public async Task Catalogue_ShowsUnavailableModels_WithTheReason_InsteadOfHidingThem()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        await admin.SaveModelAsync(new ModelDraft("deepseek-chat", "DeepSeek chat", ModelKind.Chat, 64_000), create: true, Admin);
        await admin.SaveModelAsync(new ModelDraft("llama3.2", "Llama 3.2", ModelKind.Chat, 128_000), create: true, Admin);
        await admin.CreateRouteAsync(Draft(models: new ModelMapping("deepseek-chat", "deepseek-chat")), Admin);

        var catalogue = await db.Get<RouteAdminQueries>().CatalogueAsync();

        var unpriced = catalogue.Single(m => m.Id == "deepseek-chat");
        Assert.False(unpriced.Available);
        Assert.Equal("No enabled route has a current price for it.", unpriced.UnavailableReason);
        Assert.Single(unpriced.Routes);
        Assert.Equal("No route serves it.", catalogue.Single(m => m.Id == "llama3.2").UnavailableReason);
        Assert.True(catalogue.Single(m => m.Id == "gpt-4o-mini").Available);
        Assert.Equal(["model.create", "model.create", "route.create"], (await AuditAsync(db)).Select(e => e.Action));
        Assert.Null((await db.Get<RouteCatalog>().GetAsync()).Routable.FirstOrDefault(m => m.Id == "deepseek-chat"));
    }

    [Fact]
    public async Task SaveModel_UpdatesDisplayAndContext_ButNotItsKind_AndRefusesBadIds()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();

        var updated = await admin.SaveModelAsync(new ModelDraft("gpt-4o-mini", "GPT-4o mini", ModelKind.Chat, 64_000), create: false, Admin);
        var kind = await admin.SaveModelAsync(new ModelDraft("gpt-4o-mini", "GPT-4o mini", ModelKind.Embedding, 64_000), create: false, Admin);
        var badId = await admin.SaveModelAsync(new ModelDraft("bad id!", "x", ModelKind.Chat, 1), create: true, Admin);
        var exists = await admin.SaveModelAsync(new ModelDraft("gpt-4o", "x", ModelKind.Chat, 1), create: true, Admin);

        Assert.True(updated.Succeeded);
        Assert.Equal("model_kind_fixed", kind.Error?.Code);
        Assert.Equal("invalid_model_id", badId.Error?.Code);
        Assert.Equal("model_exists", exists.Error?.Code);
        Assert.Equal(64_000, (await db.Get<RouteCatalog>().GetAsync()).Find("gpt-4o-mini")!.ContextWindow);
        var audit = Assert.Single(await AuditAsync(db));
        Assert.Equal("model.update", audit.Action);
    }

    [Fact]
    public async Task ResetCircuit_ClosesAnOpenCircuit_AndIsAudited()
    {
        await using var db = await SeededAsync();
        var health = db.Get<RouteHealthMonitor>();
        var routed = (await db.Get<RouteAdminQueries>().ListRoutesAsync()).Single(r => r.Name == SimulatorRoutes.RoutedName);
        for (var i = 0; i < 5; i++) await health.ReportAsync(routed.Id, new AttemptOutcome(false, TimeSpan.FromMilliseconds(5), null, 500, "boom"));
        Assert.Equal(CircuitState.Open, health.Snapshot(routed.Id).Circuit);

        var reset = await db.Get<RouteAdministration>().ResetCircuitAsync(routed.Id, Admin);

        Assert.True(reset.Succeeded);
        Assert.Equal(CircuitState.Closed, health.Snapshot(routed.Id).Circuit);
        Assert.True(await health.TryAcquireAsync(routed.Id));
        var audit = Assert.Single(await AuditAsync(db));
        Assert.Equal(("circuit.reset", "route:sim-routed"), (audit.Action, audit.Target));
        Assert.Contains("Open", audit.BeforeJson);
        Assert.True((await db.Get<AuditVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public void Presets_FillABaseUrlAndModels_ForTheCommonUpstreams()
    {
        Assert.Equal(["openai", "anthropic", "gemini", "deepseek", "openrouter", "vllm", "ollama", "simulator"], RoutePresets.All.Select(p => p.Key));
        Assert.All(RoutePresets.All, p => Assert.NotEmpty(p.Models));
        Assert.All(RoutePresets.All.Where(p => p.Key != "simulator"), p => Assert.StartsWith("http", p.BaseUrl));
        Assert.Equal(SimulatorRoutes.BaseUrl, RoutePresets.Find("simulator")!.BaseUrl);
        Assert.Contains(RoutePresets.Find("openrouter")!.Models, m => m.UpstreamModelId == "openai/gpt-4o-mini");
    }

    [Fact]
    public async Task SetPrices_CacheWritePrices_AreKept_AndUnsetOnesChargeTheInputPrice()
    {
        await using var db = await SeededAsync();
        var admin = db.Get<RouteAdministration>();
        var id = (await admin.CreateRouteAsync(Draft(), Admin)).Value;

        var set = await admin.SetPricesAsync(new PriceDraft(id, "gpt-4o-mini", 1_000_000, 4_000_000, 100_000, CacheWrite5mPrice: 1_250_000), Admin);

        Assert.True(set.Succeeded, set.Error?.Message);
        await using var context = db.NewContext();
        var stored = await context.PriceSnapshots.SingleAsync(p => p.Id == set.Value!.Id);
        Assert.Equal((1_250_000L, (long?)null), (stored.CacheWrite5mPrice, stored.CacheWrite1hPrice));
        Assert.Equal(new Prices(stored.Id, 1_000_000, 4_000_000, 100_000, 1_250_000, 1_000_000), stored.ToPrices());
        var audit = await context.AuditEvents.Where(e => e.Action == "price.change").OrderBy(e => e.Sequence).LastAsync();
        Assert.Contains("1250000", audit.AfterJson);
    }
}
