using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary><c>/v1/responses</c> over raw HTTP: the wire format of its events, and money under the failure policy, idempotency and bad input.</summary>
public sealed class ResponsesHttpTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const long Funds = 5_000_000;
    private GatewayHost Host => fixture.Host;

    private async Task<(HttpClient Client, string UserId)> ClientAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", Funds));
        var key = await Host.CreateKeyAsync(userId);
        return (Host.Client(key.Secret), userId);
    }

    private static HttpRequestMessage Post(string body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    private static string Body(string input, bool stream) => JsonSerializer.Serialize(new Dictionary<string, object> { ["model"] = "gpt-4o-mini", ["input"] = input, ["stream"] = stream });

    /// <summary>Every event as (event line, data), read until the stream ends or breaks.</summary>
    private static async Task<List<(string Event, JsonElement Data)>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<(string, JsonElement)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ")) name = line[7..];
                else if (line.StartsWith("data: ")) events.Add((name ?? "", JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }
        catch (IOException)
        {
        }
        return events;
    }

    private async Task<RequestRecord> ReceiptAsync(HttpResponseMessage response)
    {
        var id = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
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

    [Fact]
    public async Task Stream_EventLinesNameTheirType_HeadersAsChat_ReceiptIsTheCompletedUsage()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Post(Body("Tell me about gardens.", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);
        var receipt = await ReceiptAsync(response);
        var prices = await PricesOfAsync(receipt);
        var usage = events[^1].Data.GetProperty("response").GetProperty("usage");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType!.ToString());
        Assert.True(response.Headers.Contains("x-request-id"));
        Assert.All(events, e => Assert.Equal(e.Event, e.Data.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"],
            events.Take(4).Select(e => e.Event));
        Assert.Equal(
            ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
            events.TakeLast(4).Select(e => e.Event));
        Assert.Equal("resp_" + receipt.Id.ToString("N"), events[0].Data.GetProperty("response").GetProperty("id").GetString());
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.True(receipt.Stream);
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32(), receipt.PromptTokens);
        Assert.Equal(usage.GetProperty("output_tokens").GetInt32(), receipt.CompletionTokens);
        Assert.Equal(prices.CostOf(receipt.PromptTokens, receipt.CompletionTokens), receipt.Cost);
        Assert.Equal(receipt.Cost, (await TransfersOfAsync(receipt.Id)).Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount));
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Fact]
    public async Task StreamCutMidway_ChargedOnlyForWhatWasDelivered_EndsWithResponseFailed()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Post(Body("[sim:cut=5] [sim:tokens=20]", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);
        var receipt = await ReceiptAsync(response);
        var prices = await PricesOfAsync(receipt);
        var charged = (await TransfersOfAsync(receipt.Id)).Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount);
        var failed = events.Single(e => e.Event == "response.failed").Data.GetProperty("response");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, events.Count(e => e.Event == "response.output_text.delta"));
        Assert.DoesNotContain(events, e => e.Event == "response.completed");
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(5, failed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(RequestStatus.Partial, receipt.Status);
        Assert.Equal(ReceiptReasons.UpstreamCut, receipt.Reason);
        Assert.True(receipt.Estimated);
        Assert.Equal(5, receipt.CompletionTokens);
        Assert.Equal(prices.CostOf(receipt.PromptTokens, 5), receipt.Cost);
        Assert.Equal(receipt.Cost, charged);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
        await using var db = Host.NewContext();
        Assert.False(await db.StoredResponses.AnyAsync(r => r.ReceiptId == receipt.Id));
    }

    [Fact]
    public async Task ClientLeavesMidStream_ChargedForThePromptAndTheDeltasDelivered()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Post(Body("[sim:delay=150] [sim:tokens=60]", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var receiptId = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        var deltas = 0;
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (deltas < 3 && await reader.ReadLineAsync() is { } line)
            {
                if (line == "event: response.output_text.delta") deltas++;
            }
        }
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

        Assert.Equal(3, deltas);
        Assert.Equal(RequestStatus.Partial, receipt.Status);
        Assert.Equal(ReceiptReasons.ClientCancelled, receipt.Reason);
        Assert.InRange(receipt.CompletionTokens, 3, 59);
        Assert.True(receipt.PromptTokens > 0);
        Assert.Equal(prices.CostOf(receipt.PromptTokens, receipt.CompletionTokens), receipt.Cost);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpstreamFailsBeforeFirstByte_Free_HoldVoided(bool stream)
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Post(Body("[sim:fail]", stream)), HttpCompletionOption.ResponseHeadersRead);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var receipt = await ReceiptAsync(response);
        var transfers = await TransfersOfAsync(receipt.Id);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_error", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(RequestStatus.Failed, receipt.Status);
        Assert.Equal(ReceiptReasons.UpstreamError, receipt.Reason);
        Assert.Equal(0, receipt.Cost);
        Assert.Empty(receipt.Charges);
        Assert.Single(transfers, t => t.Flags == TransferFlags.Pending);
        Assert.Single(transfers, t => t.Flags == TransferFlags.VoidPending);
        Assert.DoesNotContain(transfers, t => t.Flags == TransferFlags.PostPending);
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [Fact]
    public async Task IdempotencyKey_RepeatReplaysTheSameResponse_ChargedOnce()
    {
        var (client, userId) = await ClientAsync();
        var key = Guid.NewGuid().ToString("N");

        var first = await client.SendAsync(Post(Body("Once only.", stream: false), key));
        var second = await client.SendAsync(Post(Body("Once only.", stream: false), key));
        var firstBody = await first.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync());
        await using var db = Host.NewContext();
        var receipts = await db.RequestRecords.Where(r => r.UserId == userId).ToListAsync();
        var receipt = Assert.Single(receipts);
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    public static TheoryData<string, HttpStatusCode, string?, string?> BadInput => new()
    {
        { """{"model":"gpt-4o-mini"}""", HttpStatusCode.BadRequest, "input", null },
        { """{"model":"gpt-4o-mini","input":""}""", HttpStatusCode.BadRequest, "input", null },
        { """{"model":"gpt-4o-mini","input":42}""", HttpStatusCode.BadRequest, "input", null },
        { """{"model":"gpt-4o-mini","input":"hi","max_output_tokens":0}""", HttpStatusCode.BadRequest, "max_output_tokens", null },
        { """{"model":"gpt-4o-mini","input":"hi","max_output_tokens":2147483647}""", HttpStatusCode.BadRequest, "max_output_tokens", null },
        { """{"model":"gpt-4o-mini","input":"hi","max_output_tokens":"lots"}""", HttpStatusCode.BadRequest, "max_output_tokens", null },
        { """{"model":"gpt-4o-mini","input":"hi","temperature":3}""", HttpStatusCode.BadRequest, "temperature", null },
        { """{"model":"gpt-4o-mini","input":[{"type":"web_search_call","id":"ws_1"}]}""", HttpStatusCode.BadRequest, "input[0].type", null },
        { """{"model":"gpt-4o-mini","input":[{"role":"robot","content":"hi"}]}""", HttpStatusCode.BadRequest, "input[0].role", null },
        { """{"model":"gpt-4o-mini","input":[{"type":"function_call_output","output":"x"}]}""", HttpStatusCode.BadRequest, "input[0].call_id", null },
        { """{"model":"gpt-4o-mini","input":"hi","tools":[{"type":"web_search"}]}""", HttpStatusCode.BadRequest, "tools[0].type", null },
        { """{"model":"gpt-4o-mini","input":"hi","text":{"format":{"type":"json_schema","name":"x"}}}""", HttpStatusCode.BadRequest, "text.format.schema", null },
        { """{"model":"gpt-4o-mini","input":"hi","background":true}""", HttpStatusCode.BadRequest, "background", null },
        { """{"model":"no-such-model","input":"hi"}""", HttpStatusCode.NotFound, "model", "model_not_found" },
        { """{"model":"text-embedding-3-small","input":"hi"}""", HttpStatusCode.BadRequest, "model", null },
        { """{"model":"gpt-4o-mini","input":"hi","previous_response_id":"resp_unknown"}""", HttpStatusCode.NotFound, "previous_response_id", "previous_response_not_found" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task BadInput_IsAnOpenAiError_AndMovesNoMoney(string body, HttpStatusCode status, string? param, string? code)
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Post(body));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(response.Headers.Contains("x-tokensforge-receipt"));
        await using var db = Host.NewContext();
        var accounts = await db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId).ToListAsync();
        Assert.Equal(0, await db.Transfers.CountAsync(t => accounts.Contains(t.DebitAccountId)));
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [Fact]
    public async Task Delete_RemovesOnlyTheOwnersResponse()
    {
        var (owner, _) = await ClientAsync();
        var (stranger, _) = await ClientAsync();
        var created = await owner.SendAsync(Post(Body("Keep then drop.", stream: false)));
        using var response = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = response.RootElement.GetProperty("id").GetString();

        var strangerDelete = await stranger.DeleteAsync($"v1/responses/{id}");
        var stillThere = await owner.GetAsync($"v1/responses/{id}");
        var ownerDelete = await owner.DeleteAsync($"v1/responses/{id}");
        var gone = await owner.GetAsync($"v1/responses/{id}");

        Assert.Equal(HttpStatusCode.NotFound, strangerDelete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownerDelete.StatusCode);
        Assert.Contains("\"deleted\":true", await ownerDelete.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [SkippableFact]
    public async Task OnPostgres_StoreContinueAndRead()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var host = await GatewayHost.StartOnPostgresAsync();
        var (userId, _) = await host.AddUserAsync(("routed", Funds));
        var client = host.Client((await host.CreateKeyAsync(userId)).Secret);

        using var first = JsonDocument.Parse(await (await client.SendAsync(Post(Body("First turn.", stream: false)))).Content.ReadAsStringAsync());
        var firstId = first.RootElement.GetProperty("id").GetString()!;
        var next = await client.SendAsync(Post($$"""{"model":"gpt-4o-mini","input":"Second turn.","previous_response_id":"{{firstId}}"}"""));
        using var second = JsonDocument.Parse(await next.Content.ReadAsStringAsync());
        var read = await client.GetAsync($"v1/responses/{second.RootElement.GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(firstId, second.RootElement.GetProperty("previous_response_id").GetString());
        Assert.True(second.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32()
            > first.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.True((await host.VerifyLedgerAsync()).Ok);
    }
}
