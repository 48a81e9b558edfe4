using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>The failure policy of DESIGN §5, driven through the simulator's failure modes over real HTTP.</summary>
public sealed class FailurePolicyTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const long Funds = 5_000_000;
    private GatewayHost Host => fixture.Host;

    private async Task<(HttpClient Client, string UserId)> ClientAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", Funds));
        var key = await Host.CreateKeyAsync(userId);
        return (Host.Client(key.Secret), userId);
    }

    private static HttpRequestMessage Chat(string content, bool stream) => new(HttpMethod.Post, "v1/chat/completions")
    {
        Content = new StringContent(
            $$"""{"model":"gpt-4o-mini","stream":{{(stream ? "true" : "false")}},"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"{{content}}"}]}""",
            Encoding.UTF8, "application/json"),
    };

    private async Task<RequestRecord> ReceiptAsync(Guid id)
    {
        await using var db = Host.NewContext();
        return await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == id);
    }

    private async Task<List<Transfer>> TransfersOfAsync(Guid receiptId)
    {
        await using var db = Host.NewContext();
        var reference = receiptId.ToString();
        return await db.Transfers.Where(t => t.Reference == reference).ToListAsync();
    }

    private async Task<Prices> PricesOfAsync(RequestRecord record)
    {
        await using var db = Host.NewContext();
        var p = await db.PriceSnapshots.SingleAsync(x => x.Id == record.PriceSnapshotId);
        return new Prices(p.Id, p.InputPrice, p.OutputPrice, p.CachedInputPrice);
    }

    private async Task<long> AvailableAsync(string userId)
    {
        await using var db = Host.NewContext();
        return await db.CreditGrants.Where(g => g.UserId == userId).SumAsync(g => g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending);
    }

    /// <summary>The content deltas of the SSE lines read so far, and whether an error event or [DONE] came.</summary>
    private static async Task<(List<string> Lines, bool Done)> ReadEventsAsync(HttpResponseMessage response, int? stopAfterContentChunks = null)
    {
        var lines = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ")) continue;
                if (line == "data: [DONE]") return (lines, true);
                lines.Add(line[6..]);
                if (stopAfterContentChunks is { } n && lines.Count(l => l.Contains("\"content\":\"")) >= n) return (lines, false);
            }
        }
        catch (IOException)
        {
        }
        return (lines, false);
    }

    [Fact]
    public async Task UpstreamFailsBeforeFirstByte_FailedRecordCostsNothing_HoldVoided()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Chat("[sim:fail]", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var receipt = await ReceiptAsync(Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));
        var transfers = await TransfersOfAsync(receipt.Id);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(RequestStatus.Failed, receipt.Status);
        Assert.Equal(ReceiptReasons.UpstreamError, receipt.Reason);
        Assert.Equal(500, receipt.UpstreamStatus);
        Assert.Equal(0, receipt.Cost);
        Assert.Empty(receipt.Charges);
        Assert.True(receipt.HoldAmount > 0);
        Assert.Single(transfers, t => t.Flags == TransferFlags.Pending);
        Assert.Single(transfers, t => t.Flags == TransferFlags.VoidPending);
        Assert.DoesNotContain(transfers, t => t.Flags == TransferFlags.PostPending);
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [Fact]
    public async Task UpstreamCutMidStream_PartialChargedForDeliveredTokens()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Chat("[sim:cut=5] [sim:tokens=20]", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var (lines, done) = await ReadEventsAsync(response);
        var receipt = await ReceiptAsync(Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));
        var prices = await PricesOfAsync(receipt);
        var charged = (await TransfersOfAsync(receipt.Id)).Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(done);
        Assert.Equal(5, lines.Count(l => l.Contains("\"content\":\"")));
        Assert.Contains(lines, l => l.Contains("\"error\""));
        Assert.Equal(RequestStatus.Partial, receipt.Status);
        Assert.Equal(ReceiptReasons.UpstreamCut, receipt.Reason);
        Assert.True(receipt.Estimated);
        Assert.Equal(5, receipt.CompletionTokens);
        Assert.Equal(prices.CostOf(receipt.PromptTokens, 5), receipt.Cost);
        Assert.Equal(receipt.Cost, charged);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Fact]
    public async Task ClientCancelsMidStream_ChargedForPromptAndDelivered()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Chat("[sim:delay=150] [sim:tokens=60]", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var receiptId = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        var (lines, _) = await ReadEventsAsync(response, stopAfterContentChunks: 3);
        response.Dispose();
        client.Dispose();

        RequestRecord? receipt = null;
        for (var i = 0; i < 400 && receipt is null; i++)
        {
            await using var db = Host.NewContext();
            receipt = await db.RequestRecords.Include(r => r.Charges).SingleOrDefaultAsync(r => r.Id == receiptId);
            if (receipt is null) await Task.Delay(50);
        }
        Assert.NotNull(receipt);
        var prices = await PricesOfAsync(receipt);

        Assert.Equal(3, lines.Count(l => l.Contains("\"content\":\"")));
        Assert.Equal(RequestStatus.Partial, receipt.Status);
        Assert.Equal(ReceiptReasons.ClientCancelled, receipt.Reason);
        Assert.InRange(receipt.CompletionTokens, 3, 59);
        Assert.True(receipt.PromptTokens > 0);
        Assert.Equal(prices.CostOf(receipt.PromptTokens, receipt.CompletionTokens), receipt.Cost);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Fact]
    public async Task UpstreamCutBeforeAnyOutput_IsAFreeFailure()
    {
        var (client, userId) = await ClientAsync();

        var streamed = await client.SendAsync(Chat("[sim:cut=0]", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var whole = await client.SendAsync(Chat("[sim:cut=3]", stream: false));
        var reset = await client.SendAsync(Chat("[sim:reset=0]", stream: true), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.BadGateway, streamed.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, whole.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, reset.StatusCode);
        foreach (var response in new[] { streamed, whole, reset })
        {
            var receipt = await ReceiptAsync(Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));
            Assert.Equal(RequestStatus.Failed, receipt.Status);
            Assert.Equal(0, receipt.Cost);
        }
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [Fact]
    public async Task UpstreamTimeout_FailedRecord_HoldVoided()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Chat($"[sim:slow={(GatewayHostFixture.RouteTimeoutSeconds + 3) * 1000}]", stream: false));
        var receipt = await ReceiptAsync(Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(RequestStatus.Failed, receipt.Status);
        Assert.Equal(ReceiptReasons.UpstreamTimeout, receipt.Reason);
        Assert.Equal(0, receipt.Cost);
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [Fact]
    public async Task StreamWithoutUsageFromUpstream_CallerStillGetsUsage_Estimated()
    {
        var (client, _) = await ClientAsync();

        var response = await client.SendAsync(Chat("[sim:nousage] [sim:tokens=6]", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var (lines, done) = await ReadEventsAsync(response);
        var receipt = await ReceiptAsync(Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));

        Assert.True(done);
        Assert.Contains(lines, l => l.Contains("\"completion_tokens\":6"));
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.True(receipt.Estimated);
        Assert.Equal(6, receipt.CompletionTokens);
    }

    [Fact]
    public async Task Ledger_AfterFailureModes_VerifiesOk()
    {
        var (client, _) = await ClientAsync();
        await client.SendAsync(Chat("[sim:fail]", stream: false));
        var cut = await client.SendAsync(Chat("[sim:cut=2]", stream: true), HttpCompletionOption.ResponseHeadersRead);
        await ReadEventsAsync(cut);

        var verification = await Host.VerifyLedgerAsync();

        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }
}
