using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Ledger;
using TokensForge.Core.TopUps;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Links;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Components;

/// <summary>
/// Pages that take an object's id in the URL show it to its owner only: another signed-in user gets a readable
/// "not found" with HTTP status 404 and none of the object's data, not even in the prerendered HTML; an id that names
/// nothing reads the same.
/// </summary>
public sealed class ObjectOwnershipPageTests
{
    [Fact]
    public async Task AnotherUsersObjectUrls_RenderNotFound_AndNoneOfItsData()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "true",
            ["Payments:TestCheckoutEnabled"] = "true",
            ["Payments:WebhookSecret"] = "ownership-test-secret",
        });
        var (ownerId, ownerEmail) = await host.AddUserAsync();
        var memo = "memo-" + Guid.NewGuid().ToString("N");
        Assert.True((await host.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(ownerEmail, "routed", 7_654_321, null, memo, "test"))).Succeeded);
        var redemption = (await host.Get<ClaimService>().RedeemCodeAsync(ownerId, DemoCodes.SingleUse[0], null)).Value!;
        var order = (await host.Get<TopUpService>().CreateAsync(ownerId, "official", 43_210_000, TestCheckoutProvider.ProviderKey)).Value!.Order;
        var chat = await host.Client((await host.CreateKeyAsync(ownerId)).Secret).PostAsJsonAsync("v1/chat/completions",
            new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var receiptId = Guid.Parse(chat.Headers.GetValues("x-tokensforge-receipt").Single());
        var requestId = chat.Headers.GetValues("x-request-id").Single();
        await using var db = host.NewContext();
        var grant = await db.CreditGrants.Where(g => g.UserId == ownerId && g.Source == GrantSource.Adjustment).SingleAsync();
        var transfer = await db.Transfers.Where(t => t.CreditAccountId == grant.AccountId).SingleAsync();

        // What each page shows its owner, and the words that must not reach anyone else.
        var unknown = Guid.NewGuid();
        var pages = new (string Url, string Unknown, string NotFound, string[] Secrets)[]
        {
            (WalletLinks.Transfer(transfer.Id), WalletLinks.Transfer(unknown), "transfer-not-found",
                [transfer.Id.ToString(), transfer.TxId.ToString(), memo, "7.654321", grant.Id.ToString()]),
            ($"/receipts/{receiptId}", $"/receipts/{unknown}", "receipt-not-found", [receiptId.ToString(), requestId]),
            (WalletLinks.Redemption(redemption.Id), WalletLinks.Redemption(unknown), "redemption-not-found",
                [redemption.Id.ToString(), redemption.TransferId.ToString(), DemoCodes.SingleUse[0]]),
            ($"/topup/test-checkout/{order.Id}", $"/topup/test-checkout/{unknown}", "test-checkout-not-found", [order.Id.ToString(), order.Reference, "43.21"]),
        };

        using var owner = await host.App.LoggedInClientAsync(ownerEmail, "User-pass-1");
        var (_, otherEmail) = await host.AddUserAsync(("routed", 1_000_000));
        using var other = await host.App.LoggedInClientAsync(otherEmail, "User-pass-1");
        foreach (var (url, unknownUrl, notFound, secrets) in pages)
        {
            // The owner sees the object, so the words searched for below are really on the page.
            var ownResponse = await owner.GetAsync(url);
            var own = await ownResponse.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, ownResponse.StatusCode);
            Assert.DoesNotContain($"data-testid=\"{notFound}\"", own);
            foreach (var secret in secrets.Skip(1)) Assert.Contains(secret, own);

            foreach (var (client, address) in new[] { (other, url), (owner, unknownUrl), (other, unknownUrl) })
            {
                var response = await client.GetAsync(address);
                var html = await response.Content.ReadAsStringAsync();
                Assert.True(HttpStatusCode.NotFound == response.StatusCode, $"{address}: {(int)response.StatusCode}");
                Assert.Contains($"data-testid=\"{notFound}\"", html);
                Assert.Contains("not found: no ", html[html.IndexOf($"data-testid=\"{notFound}\"", StringComparison.Ordinal)..]);
                foreach (var secret in secrets)
                    Assert.False(html.Contains(secret, StringComparison.Ordinal), $"{address} shows another user's {secret}: {Around(html, secret)}");
            }
        }
    }

    [Theory]
    [InlineData("/admin/routes/{0}", "route-not-found")]
    [InlineData("/admin/campaigns/{0}", "results-not-found")]
    public async Task AdminPageForAnUnknownId_Is404_WithItsReadableMessage(string url, string notFound)
    {
        using var app = new TokensForgeApp();
        using var admin = await app.LoggedInClientAsync(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);

        var response = await admin.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, url, Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains($"data-testid=\"{notFound}\"", await response.Content.ReadAsStringAsync());
    }

    private static string Around(string html, string secret)
    {
        var at = html.IndexOf(secret, StringComparison.Ordinal);
        return at < 0 ? "" : html[Math.Max(0, at - 200)..Math.Min(html.Length, at + secret.Length + 50)];
    }
}
