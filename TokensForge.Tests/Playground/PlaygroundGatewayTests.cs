using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Playground;

namespace TokensForge.Tests.Playground;

/// <summary>The playground's requests go through the same pipeline as /v1, in-process: same holds, same charges, same receipts.</summary>
public sealed class PlaygroundGatewayTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private static ChatDraft Draft(string prompt, int maxTokens = 40) =>
        new("gpt-4o-mini", "Be brief.", [new ChatTurn(ChatTurn.User, prompt)], Temperature: 0.5, MaxTokens: maxTokens);

    private async Task<(GatewayResult Result, ComponentChatSink Sink)> RunPlaygroundAsync(string userId, ChatDraft draft, Func<ComponentChatSink, Task>? onRender = null,
        CancellationToken ct = default)
    {
        ComponentChatSink? sink = null;
        sink = new ComponentChatSink(() => onRender?.Invoke(sink!) ?? Task.CompletedTask, TimeProvider.System);
        var caller = GatewayCaller.Playground(userId, RoutePreference.Auto, "req_" + Guid.CreateVersion7().ToString("N"));
        var result = await Host.Get<GatewayPipeline>().ChatAsync(caller, draft.ToRequest(), sink, ct);
        return (result, sink);
    }

    /// <summary>The text of a /v1 server-sent-event stream, and whether it ended with [DONE].</summary>
    private static (string Text, bool Done) ReadStream(string body)
    {
        var text = new StringBuilder();
        var done = false;
        foreach (var line in body.Split('\n'))
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..].Trim();
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }
            using var json = JsonDocument.Parse(data);
            foreach (var choice in json.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                    text.Append(content.GetString());
            }
        }
        return (text.ToString(), done);
    }

    [Fact]
    public async Task PlaygroundRequest_SameAsTheRequestThroughV1_SameReceiptAndTransfers()
    {
        var (apiUser, _) = await Host.AddUserAsync(("starter", 1_000_000), ("routed", 1_000_000));
        var (playUser, _) = await Host.AddUserAsync(("starter", 1_000_000), ("routed", 1_000_000));
        var key = await Host.CreateKeyAsync(apiUser);
        var draft = Draft("[sim:tokens=12] Compare both ways.");

        // The body the "Show code" snippet shows is the body /v1 gets here.
        using var response = await Host.Client(key.Secret).PostAsync("v1/chat/completions",
            new StringContent(CodeSnippets.Body(draft), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (apiText, done) = ReadStream(await response.Content.ReadAsStringAsync());
        Assert.True(done);
        var apiReceiptId = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());

        var (result, sink) = await RunPlaygroundAsync(playUser, draft);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.True(sink.Started);
        Assert.True(sink.Completed);
        Assert.Equal(apiText, sink.Text);
        Assert.Equal(sink.ReceiptId, result.ReceiptId);
        var receipts = Host.Get<ReceiptQueries>();
        var api = (await receipts.GetAsync(apiReceiptId, apiUser))!;
        var play = (await receipts.GetAsync(result.ReceiptId!.Value, playUser))!;

        Assert.Equal(RequestSource.Api, api.Source);
        Assert.Equal(RequestSource.Playground, play.Source);
        Assert.Null(play.ApiKeyPrefix);
        Assert.Equal(
            (api.Endpoint, api.Model, api.RouteId, api.RouteKind, api.Price!.Id, api.PromptTokens, api.CompletionTokens, api.CachedTokens, api.HoldAmount, api.Cost,
                api.Status, api.Reason, api.Estimated, api.Stream),
            (play.Endpoint, play.Model, play.RouteId, play.RouteKind, play.Price!.Id, play.PromptTokens, play.CompletionTokens, play.CachedTokens, play.HoldAmount, play.Cost,
                play.Status, play.Reason, play.Estimated, play.Stream));
        Assert.Equal(12, play.CompletionTokens);
        Assert.True(play.Cost > 0);
        Assert.Equal(RequestStatus.Succeeded, play.Status);
        Assert.Equal(api.PaidBy.Select(p => (p.BucketKey, p.SourceLabel, p.Amount)), play.PaidBy.Select(p => (p.BucketKey, p.SourceLabel, p.Amount)));
        Assert.Equal("starter", Assert.Single(play.PaidBy).BucketKey);
        Assert.Equal(api.Transfers.Select(t => (t.Code, t.Flags, t.Amount, t.CreditAccount)), play.Transfers.Select(t => (t.Code, t.Flags, t.Amount, t.CreditAccount)));
        Assert.Equal([TransferFlags.Pending, TransferFlags.PostPending], play.Transfers.Select(t => t.Flags));
        await using var db = Host.NewContext();
        var playAccounts = await db.LedgerAccounts.Where(a => a.UserId == playUser).Select(a => a.Address).ToListAsync();
        Assert.All(play.Transfers, t => Assert.Contains(t.DebitAccount, playAccounts));
    }

    [Fact]
    public async Task Stop_AfterOutputBegan_WritesACancelledReceipt_ChargedForPromptAndDelivered()
    {
        var (userId, _) = await Host.AddUserAsync(("starter", 2_000_000));
        using var stop = new CancellationTokenSource();

        var (result, sink) = await RunPlaygroundAsync(userId, Draft("[sim:tokens=400] [sim:delay=20] A long answer.", maxTokens: 500),
            s =>
            {
                // The first render that shows text is the user pressing Stop.
                if (s.Text.Length > 0) stop.Cancel();
                return Task.CompletedTask;
            }, stop.Token);

        Assert.Equal(ReceiptReasons.ClientCancelled, result.Error?.Code);
        var receipt = (await Host.Get<ReceiptQueries>().GetAsync(result.ReceiptId!.Value, userId))!;
        Assert.Equal(RequestStatus.Partial, receipt.Status);
        Assert.Equal(ReceiptReasons.ClientCancelled, receipt.Reason);
        Assert.True(receipt.Estimated);
        Assert.InRange(receipt.CompletionTokens, 1, 399);
        var prices = new Prices(receipt.Price!.Id, receipt.Price.InputPrice, receipt.Price.OutputPrice, receipt.Price.CachedInputPrice);
        Assert.Equal(prices.CostOf(receipt.PromptTokens, receipt.CompletionTokens), receipt.Cost);
        Assert.Equal(receipt.Cost, Assert.Single(receipt.PaidBy).Amount);
        Assert.Equal([TransferFlags.Pending, TransferFlags.PostPending], receipt.Transfers.Select(t => t.Flags));
        Assert.False(sink.Completed);
    }

    [Fact]
    public async Task EmptyWallet_IsRefusedBeforeAnyUpstream_WithAFreeFailedReceipt()
    {
        var (userId, _) = await Host.AddUserAsync();

        var (result, sink) = await RunPlaygroundAsync(userId, Draft("[sim:tokens=5] Hello."));

        Assert.Equal(GatewayErrorKind.InsufficientBalance, result.Error?.Kind);
        Assert.Contains("Top up or redeem a code", result.Error!.Message);
        Assert.False(sink.Started);
        var receipt = (await Host.Get<ReceiptQueries>().GetAsync(result.ReceiptId!.Value, userId))!;
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.InsufficientBalance, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
        Assert.Empty(receipt.Transfers);
    }
}
