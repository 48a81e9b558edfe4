using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Cli;

namespace TokensForge.Tests.Api.V1;

/// <summary>Keys over HTTP: revocation and expiry reach the gateway within seconds, receipts stay private, secrets are not stored.</summary>
public sealed class KeySecurityTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private static Task<HttpResponseMessage> ChatAsync(HttpClient client) =>
        client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } });

    /// <summary>Calls until the answer is 401 or the deadline passes; returns the last status.</summary>
    private static async Task<HttpStatusCode> StatusOnceRejectedAsync(HttpClient client, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync("v1/models")).StatusCode;
            if (status == HttpStatusCode.Unauthorized) break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < until);
        return status;
    }

    [Fact]
    public async Task RevokedKey_Gets401WithinSeconds()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 1_000_000));
        var key = await Host.CreateKeyAsync(userId);
        using var client = Host.Client(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(client)).StatusCode);

        await Host.Get<ApiKeyService>().RevokeAsync(key.Key.Id, userId, "test");

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOnceRejectedAsync(client, TimeSpan.FromSeconds(10)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatAsync(client)).StatusCode);
    }

    [Fact]
    public async Task KeyRevokedFromAnotherProcess_ByTheCli_Gets401WithinSeconds()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 1_000_000));
        var key = await Host.CreateKeyAsync(userId);
        using var client = Host.Client(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("v1/models")).StatusCode);

        var output = new StringWriter();
        var exit = await OpsCli.RunAsync(["keys", "revoke", "--prefix", key.Key.Prefix], output, new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Default"] = $"Data Source={Path.Combine(Host.App.DatabaseDirectory, "app.db")}",
            ["DataProtection:AllowUnprotectedKeys"] = "true",
        });

        Assert.Equal(0, exit);
        Assert.Contains("key revoked", output.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOnceRejectedAsync(client, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ExpiredKey_Gets401()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 1_000_000));
        var key = await Host.CreateKeyAsync(userId, new ApiKeyPolicy(ExpiresAt: DateTime.UtcNow.AddSeconds(2)));
        using var client = Host.Client(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("v1/models")).StatusCode);

        var status = await StatusOnceRejectedAsync(client, TimeSpan.FromSeconds(15));
        var body = await (await client.GetAsync("v1/models")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("expired", body);
    }

    [Fact]
    public async Task Receipts_OfAnotherUser_AreNotFound_OwnAreVisibleToEveryKeyOfTheUser()
    {
        var (userA, _) = await Host.AddUserAsync(("routed", 1_000_000));
        var (userB, _) = await Host.AddUserAsync(("routed", 1_000_000));
        var keyA = await Host.CreateKeyAsync(userA);
        var keyB = await Host.CreateKeyAsync(userB);
        var keyB2 = await Host.CreateKeyAsync(userB, name: "second key");
        var response = await ChatAsync(Host.Client(keyB.Secret));
        var receiptB = response.Headers.GetValues("x-tokensforge-receipt").Single();

        var byA = await Host.Client(keyA.Secret).GetAsync($"v1/receipts/{receiptB}");
        var byB2 = await Host.Client(keyB2.Secret).GetAsync($"v1/receipts/{receiptB}");
        var missing = await Host.Client(keyA.Secret).GetAsync($"v1/receipts/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, byA.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byB2.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("receipt_not_found", await byA.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StoredKey_IsOnlyItsHashAndPrefix()
    {
        var (userId, _) = await Host.AddUserAsync();
        var key = await Host.CreateKeyAsync(userId);

        await using var db = Host.NewContext();
        var row = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == key.Key.Id);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM api_keys WHERE \"Id\" = $id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "$id";
        parameter.Value = key.Key.Id.ToString().ToUpperInvariant();
        command.Parameters.Add(parameter);
        var cells = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                for (var i = 0; i < reader.FieldCount; i++) cells.Add(reader.GetValue(i)?.ToString() ?? "");
        }

        Assert.StartsWith("tf-", key.Secret);
        Assert.True(key.Secret.Length >= 3 + 43);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Secret))), row.Hash);
        Assert.Equal(key.Secret[..11], row.Prefix);
        Assert.NotEmpty(cells);
        Assert.DoesNotContain(cells, c => c.Contains(key.Secret[11..]));
    }
}
