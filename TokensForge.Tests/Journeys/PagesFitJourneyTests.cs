using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.TopUps;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Journeys;

/// <summary>
/// Every page, as user, admin and finance, measured in a real browser: nothing hides content behind a horizontal scroll
/// (no scroll container, and not the document, is wider inside than it is on screen), and the app bar keeps each label
/// on one line. The user pages are measured on a phone as well, where every stacked table cell keeps its label. Screenshots of every page are kept as artefacts.
/// </summary>
public sealed class PagesFitJourneyTests
{
    private const string FinanceEmail = "finance@test.local";
    private const string FinancePassword = "Finance-pass-1";

    /// <summary>
    /// Scroll containers (and tables, grids and the document) whose content is wider than their box, with the pixels hidden,
    /// and app-bar labels that wrap onto a second line.
    /// </summary>
    private const string MeasureScript = """
        () => {
          const describe = e => {
            let s = e.tagName.toLowerCase();
            const id = e.getAttribute('data-testid') ?? e.closest('[data-testid]')?.getAttribute('data-testid');
            if (id) s += `[data-testid=${id}]`;
            if (e.classList.length) s += '.' + [...e.classList].slice(0, 2).join('.');
            return s;
          };
          const out = [];
          const doc = document.documentElement;
          if (doc.scrollWidth > doc.clientWidth + 1) out.push(`document: ${doc.scrollWidth - doc.clientWidth}px hidden`);
          for (const e of document.body.querySelectorAll('*')) {
            const style = getComputedStyle(e);
            const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
            const grid = e.matches('.mud-table-container, .mud-table, table');
            if (!scrolls && !grid) continue;
            if (e.clientWidth === 0 || style.display === 'none' || style.visibility === 'hidden') continue;
            if (e.scrollWidth > e.clientWidth + 1) out.push(`${describe(e)}: ${e.scrollWidth - e.clientWidth}px hidden`);
          }
          // A label wraps when its text's line boxes start at more than one height.
          const walker = document.createTreeWalker(document.querySelector('.mud-appbar') ?? document.createElement('div'), NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) out.push(`app bar wraps "${node.textContent.trim()}" onto ${tops.size} lines`);
          }
          // On a phone tables stack their cells; each cell with content keeps its column's label.
          if (window.innerWidth < 600) {
            for (const td of document.querySelectorAll('.mud-xs-table tbody td.mud-table-cell')) {
              if (getComputedStyle(td).display === 'none' || !td.textContent.trim()) continue;
              if (!(td.getAttribute('data-label') ?? '').trim()) out.push(`${describe(td.closest('.mud-table') ?? td)}: a cell without its label ("${td.textContent.trim().slice(0, 30)}")`);
            }
          }
          return out;
        }
        """;

    private sealed record Visit(string Path, bool Interactive = true);

    private static readonly Visit[] UserPages =
    [
        new("/"), new("/wallet"), new("/wallet/redemptions"), new("/topup"), new("/keys"), new("/usage"), new("/usage/failed"),
        new("/activity"), new("/playground"), new("/research"), new("/Account/Manage", Interactive: false),
        new("/Account/Manage/Email", Interactive: false), new("/Account/Manage/ChangePassword", Interactive: false),
    ];

    private static readonly string[] PhonePages = ["/", "/wallet", "/usage", "/keys", "/activity", "/topup"];

    private static readonly Visit[] AdminPages =
    [
        new("/admin"), new("/admin/audit"), new("/admin/requests"), new("/admin/campaigns"), new("/admin/codes"), new("/admin/codes/generate"),
        new("/admin/redemptions"), new("/admin/routes"), new("/admin/routes/new"), new("/admin/routes/health"),
        new("/admin/models"), new("/admin/prices"), new("/admin/price-groups"), new("/admin/orders"), new("/finance"),
    ];

    private static readonly Visit[] FinancePages = [new("/finance"), new("/admin/orders")];

    [SkippableFact]
    public async Task EveryPage_AsUserAdminAndFinance_FitsTheScreen_OnALaptopAndTheUserPagesOnAPhone()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Demo:Seed"] = "true", ["Simulator:Enabled"] = "true" });
        var baseUrl = app.StartKestrel();
        var demo = new DemoOptions();
        var (userId, receiptId, transferId, campaignId, routeId) = await SeedAsync(app, baseUrl, demo.UserEmail);
        await using var browser = await Browser.LaunchAsync();

        var found = new List<string>();
        var anonymous = await browser.NewPageAsync(baseUrl);
        foreach (var path in new[] { "/Account/Login", "/Account/Register" })
        {
            found.AddRange(await MeasureAsync(anonymous, "anonymous", new Visit(path, Interactive: false)));
            // No template leftovers about external sign-in when none is configured.
            Assert.DoesNotContain("external authentication", await anonymous.ContentAsync(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Use another service", await anonymous.ContentAsync(), StringComparison.OrdinalIgnoreCase);
            // MudBlazor's inputs, not the template's Bootstrap classes.
            Assert.Equal(0, await anonymous.Locator(".form-control, .btn, .form-floating").CountAsync());
            Assert.True(await anonymous.Locator(".mud-input-control input[name='Input.Email']").CountAsync() == 1, $"{path}: no MudBlazor email field that posts");
        }
        await anonymous.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { "/Account/Login", "/Account/Register" })
            found.AddRange(await MeasureAsync(anonymous, "anonymous", new Visit(path, Interactive: false)));
        var user = await LoginAsync(browser, baseUrl, demo.UserEmail, demo.UserPassword);
        Visit[] userPages = [.. UserPages, new($"/receipts/{receiptId}"), new($"/wallet/transfers/{transferId}")];
        foreach (var visit in userPages) found.AddRange(await MeasureAsync(user, "user", visit));
        await user.SetViewportSizeAsync(390, 844);
        foreach (var path in PhonePages) found.AddRange(await MeasureAsync(user, "user", new Visit(path)));

        var admin = await LoginAsync(browser, baseUrl, TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
        Visit[] adminPages = [.. AdminPages, new($"/admin/requests?user={Uri.EscapeDataString(demo.UserEmail)}"), new($"/admin/campaigns/{campaignId}"), new($"/admin/routes/{routeId}"), new($"/receipts/{receiptId}")];
        foreach (var visit in adminPages) found.AddRange(await MeasureAsync(admin, "admin", visit));

        var finance = await LoginAsync(browser, baseUrl, FinanceEmail, FinancePassword);
        foreach (var visit in FinancePages) found.AddRange(await MeasureAsync(finance, "finance", visit));

        await File.WriteAllLinesAsync(Path.Combine(Browser.ArtifactsDirectory, "fit-measurements.txt"), found);
        Assert.True(found.Count == 0, "Content hidden behind horizontal scroll:\n" + string.Join('\n', found));
        Assert.NotEqual(Guid.Empty, Guid.Parse(userId));
    }

    [SkippableFact]
    public async Task DarkMode_FollowsTheOperatingSystem_UntilTheUserChooses_AndTheChoiceSurvivesAReload()
    {
        using var app = new TokensForgeApp();
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await LoginAsync(browser, baseUrl, TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
        var toggle = page.Locator("[data-testid=theme-toggle]");

        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", "true");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", "false");
        await Browser.ScreenshotAsync(page, "fit-theme-follows-os");

        // Chosen light while the OS is dark: the choice wins, now and after a reload.
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", "true");
        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", "false");
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        await page.WaitForTimeoutAsync(500);
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", "false");
        await toggle.ClickAsync();
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", "true");
        await Browser.ScreenshotAsync(page, "fit-theme-remembered-dark");
    }

    private static readonly string[] ManagePages =
        ["/Account/Manage/TwoFactorAuthentication", "/Account/Manage/EnableAuthenticator", "/Account/Manage/PersonalData",
         "/Account/Manage/DeletePersonalData", "/Account/Manage/Passkeys"];

    private static readonly string[] TwoFactorOnPages =
        ["/Account/Manage/TwoFactorAuthentication", "/Account/Manage/Disable2fa", "/Account/Manage/GenerateRecoveryCodes", "/Account/Manage/ResetAuthenticator"];

    /// <summary>
    /// The account pages the manage menu links to, on a laptop and a phone: MudBlazor only, nothing wider than the screen,
    /// and their forms really post: personal data downloads, an authenticator is added with a real TOTP code (a wrong one
    /// is refused), the recovery codes it shows sign in on the two-factor pages.
    /// </summary>
    [SkippableFact]
    public async Task ManagePages_TwoFactorPersonalDataAndPasskeys_AreMudBlazorForms_ThatFitAndPost()
    {
        using var app = new TokensForgeApp();
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await LoginAsync(browser, baseUrl, TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
        var found = new List<string>();

        foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var path in ManagePages)
            {
                found.AddRange(await MeasureAsync(page, "user", new Visit(path, Interactive: false)));
                await AssertNoBootstrapAsync(page, path);
            }
        }
        await page.SetViewportSizeAsync(1366, 900);

        // The menu links the three pages; external logins are not offered since none is configured.
        await page.GotoAsync("/Account/Manage");
        foreach (var label in new[] { "Two-factor authentication", "Passkeys", "Personal data" })
            Assert.Equal(1, await page.Locator($".mud-nav-link:has-text('{label}')").CountAsync());
        Assert.Equal(0, await page.Locator("a[href*='ExternalLogins']").CountAsync());
        Assert.Equal(404, (await page.GotoAsync("/Account/Manage/ExternalLogins"))!.Status);

        await page.GotoAsync("/Account/Manage/PersonalData");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("button[type=submit]:has-text('Download')"));
        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync((await download.PathAsync())!)))
            Assert.Equal(TokensForgeApp.AdminEmail, json.RootElement.GetProperty("Email").GetString());

        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        await Assertions.Expect(page.Locator("[data-testid=two-factor-state]")).ToContainTextAsync("off");
        // Visiting the set-up page above already made a key, so the link reads "Set up authenticator app".
        await page.ClickAsync("a[href='Account/Manage/EnableAuthenticator']");
        await page.WaitForURLAsync("**/Account/Manage/EnableAuthenticator");
        var key = (await page.Locator("[data-testid=authenticator-key]").InnerTextAsync()).Replace(" ", "");
        await page.FillAsync("#Input\\.Code", "000000" == Totp(key, 0) ? "111111" : "000000");
        await page.ClickAsync("button[type=submit]:has-text('Verify')");
        await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("Verification code is invalid");
        await page.FillAsync("#Input\\.Code", Totp(key, 0));
        await page.ClickAsync("button[type=submit]:has-text('Verify')");
        await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("verified");
        var codes = await page.Locator("[data-testid=recovery-codes] .recovery-code").AllInnerTextsAsync();
        Assert.Equal(10, codes.Count);
        await AssertNoBootstrapAsync(page, "recovery codes");

        foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var path in TwoFactorOnPages)
            {
                found.AddRange(await MeasureAsync(page, "user", new Visit(path, Interactive: false)));
                await AssertNoBootstrapAsync(page, path);
            }
        }
        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        await Assertions.Expect(page.Locator("[data-testid=two-factor-state]")).ToContainTextAsync("on");

        // A fresh browser now needs the second factor: the code page, then a recovery code instead.
        var again = await browser.NewPageAsync(baseUrl);
        await again.SetViewportSizeAsync(390, 844);
        await again.GotoAsync("/Account/Login");
        await again.FillAsync("#Input\\.Email", TokensForgeApp.AdminEmail);
        await again.FillAsync("#Input\\.Password", TokensForgeApp.AdminPassword);
        await again.ClickAsync("button[type=submit]:has-text('Log in')");
        await again.WaitForURLAsync("**/Account/LoginWith2fa**");
        found.AddRange(await MeasureAsync(again, "anonymous", new Visit(new Uri(again.Url).PathAndQuery, Interactive: false)));
        await AssertNoBootstrapAsync(again, "LoginWith2fa");
        Assert.Equal(1, await again.Locator(".mud-input-control input[name='Input.TwoFactorCode']").CountAsync());
        await again.ClickAsync("a:has-text('log in with a recovery code')");
        await again.WaitForURLAsync("**/Account/LoginWithRecoveryCode**");
        found.AddRange(await MeasureAsync(again, "anonymous", new Visit(new Uri(again.Url).PathAndQuery, Interactive: false)));
        await AssertNoBootstrapAsync(again, "LoginWithRecoveryCode");
        await again.FillAsync("#Input\\.RecoveryCode", "not-a-code");
        await again.ClickAsync("button[type=submit]:has-text('Log in')");
        await Assertions.Expect(again.Locator("[data-testid=status-message]")).ToContainTextAsync("Invalid recovery code");
        await again.FillAsync("#Input\\.RecoveryCode", codes[0]);
        await again.ClickAsync("button[type=submit]:has-text('Log in')");
        // On a phone the app bar hides the address; it is there all the same once signed in.
        await Assertions.Expect(again.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync(TokensForgeApp.AdminEmail);

        await File.WriteAllLinesAsync(Path.Combine(Browser.ArtifactsDirectory, "fit-manage-measurements.txt"), found);
        Assert.True(found.Count == 0, "Content hidden behind horizontal scroll:\n" + string.Join('\n', found));
    }

    /// <summary>
    /// A passkey made by the browser's virtual authenticator is added on the passkeys page, named on the rename page,
    /// renamed and deleted, each through the page's own MudBlazor buttons. Served on localhost: WebAuthn refuses an IP address.
    /// </summary>
    [SkippableFact]
    public async Task Passkeys_AddedWithAVirtualAuthenticator_AreNamedRenamedAndDeleted()
    {
        using var app = new TokensForgeApp();
        var baseUrl = app.StartKestrel().Replace("127.0.0.1", "localhost");
        await using var browser = await Browser.LaunchAsync();
        var page = await LoginAsync(browser, baseUrl, TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true,
                ["hasUserVerification"] = true, ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });

        await page.GotoAsync("/Account/Manage/Passkeys");
        await Assertions.Expect(page.Locator("text=No passkeys are registered.")).ToBeVisibleAsync();
        await page.ClickAsync("button:has-text('Add a new passkey')");
        await page.WaitForURLAsync("**/Account/Manage/RenamePasskey/**");
        await AssertNoBootstrapAsync(page, "RenamePasskey");
        await page.FillAsync("#Input\\.Name", "Laptop key");
        await page.ClickAsync("button[type=submit]:has-text('Continue')");
        await page.WaitForURLAsync("**/Account/Manage/Passkeys");
        await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("Passkey updated");
        await Assertions.Expect(page.Locator("[data-testid=passkeys]")).ToContainTextAsync("Laptop key");
        await AssertNoBootstrapAsync(page, "Passkeys with one");

        await page.ClickAsync("[data-testid=passkeys] button:has-text('Rename')");
        await page.WaitForURLAsync("**/Account/Manage/RenamePasskey/**");
        await page.FillAsync("#Input\\.Name", "Work laptop");
        await page.ClickAsync("button[type=submit]:has-text('Continue')");
        await Assertions.Expect(page.Locator("[data-testid=passkeys]")).ToContainTextAsync("Work laptop");

        await page.ClickAsync("[data-testid=passkeys] button:has-text('Delete')");
        await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("Passkey deleted");
        await Assertions.Expect(page.Locator("text=No passkeys are registered.")).ToBeVisibleAsync();
    }

    private static async Task AssertNoBootstrapAsync(IPage page, string where)
    {
        var leftovers = await page.Locator(".btn, .form-control, .form-floating, .alert, .table, .row, .text-danger").CountAsync();
        Assert.True(leftovers == 0, $"{where}: {leftovers} elements with Bootstrap classes");
        Assert.True(await page.Locator(".mud-main-content .mud-button-root, .mud-main-content .mud-alert").CountAsync() > 0, $"{where}: no MudBlazor buttons or alerts");
    }

    /// <summary>The authenticator app's code (RFC 6238: HMAC-SHA1 of the 30-second step, 6 digits) for a base32 key.</summary>
    private static string Totp(string base32Key, int stepOffset)
    {
        var bits = string.Concat(base32Key.ToUpperInvariant().Select(c => Convert.ToString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".IndexOf(c), 2).PadLeft(5, '0')));
        var key = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 + stepOffset;
        var counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian) Array.Reverse(counter);
        var hash = System.Security.Cryptography.HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0x0f;
        var value = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (value % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<string>> MeasureAsync(IPage page, string role, Visit visit)
    {
        var response = await page.GotoAsync(visit.Path);
        Assert.True(response is { Ok: true }, $"{role} {visit.Path}: HTTP {response?.Status}");
        if (visit.Interactive) await Browser.WaitForInteractiveAsync(page);
        // Server-paged grids load after the circuit connects; give them a moment to fill before measuring.
        await page.Locator(".mud-table-loading-progress, .mud-progress-linear").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 10_000 })
            .ContinueWith(_ => { });
        await page.WaitForTimeoutAsync(400);
        var width = page.ViewportSize!.Width;
        var slug = visit.Path.Trim('/').Replace('/', '-') is { Length: > 0 } s ? s : "home";
        if (slug.Length > 60) slug = slug[..60];
        await Browser.ScreenshotAsync(page, $"fit-{role}-{width}-{slug}");
        var problems = await page.EvaluateAsync<string[]>(MeasureScript);
        return problems.Select(p => $"{role} {width}px {visit.Path}: {p}").ToList();
    }

    private static async Task<IPage> LoginAsync(Browser browser, string baseUrl, string email, string password)
    {
        var page = await browser.NewPageAsync(baseUrl);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();
        return page;
    }

    /// <summary>
    /// A user with history in every table: starter credit, a redeemed code, a long-named key, requests on it (receipts,
    /// settled holds), a failed request and a top-up order; a finance account; the ids of the detail pages.
    /// </summary>
    private static async Task<(string UserId, Guid ReceiptId, Guid TransferId, Guid CampaignId, Guid RouteId)> SeedAsync(
        TokensForgeApp app, string baseUrl, string email)
    {
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.True((await scope.ServiceProvider.GetRequiredService<AccountBootstrapper>().CreateAsync(FinanceEmail, FinancePassword, Roles.Finance)).Succeeded);
        string userId;
        await using (var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
            userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();

        var claims = app.Get<ClaimService>();
        Assert.True((await claims.ClaimStarterAsync(userId, "203.0.113.7")).Succeeded);
        Assert.True((await claims.RedeemCodeAsync(userId, DemoCodes.SingleUse[0], "203.0.113.7")).Succeeded);
        Assert.True((await app.Get<TopUpService>().CreateAsync(userId, Bucket.Official, 50_000_000, ManualTransferProvider.ProviderKey)).Succeeded);

        var key = (await app.Get<ApiKeyService>().CreateAsync(userId, "Research notebook on the shared workstation", new ApiKeyPolicy())).Value!;
        using var api = new HttpClient { BaseAddress = new Uri(baseUrl + "/") };
        api.DefaultRequestHeaders.Authorization = new("Bearer", key.Secret);
        Guid receiptId = Guid.Empty;
        foreach (var model in new[] { "gpt-4o-mini", "gpt-4o", "gpt-4o-mini" })
        {
            var response = await api.PostAsync("v1/chat/completions", new StringContent(
                $$"""{"model":"{{model}}","max_tokens":16,"messages":[{"role":"user","content":"How wide is this page?"}]}""", Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            receiptId = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        }
        var failed = await api.PostAsync("v1/chat/completions", new StringContent(
            """{"model":"no-such-model","max_tokens":16,"messages":[{"role":"user","content":"?"}]}""", Encoding.UTF8, "application/json"));
        Assert.False(failed.IsSuccessStatusCode);

        var transfers = await app.Get<WalletQueries>().GetTransfersAsync(userId, 0, 50);
        var transferId = transfers.Items.First(t => t.Code == Core.Ledger.TransferCode.Charge).Id;
        await using (var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var campaignId = await db.Campaigns.Where(c => c.Name == DemoCodes.PromoCampaign).Select(c => c.Id).SingleAsync();
            var routeId = await db.Routes.Select(r => r.Id).FirstAsync();
            return (userId, receiptId, transferId, campaignId, routeId);
        }
    }
}
