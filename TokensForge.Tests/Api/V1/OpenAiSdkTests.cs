using System.ClientModel;
using Microsoft.EntityFrameworkCore;
using OpenAI.Chat;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>The official OpenAI .NET SDK against the running gateway, with the simulator as upstream.</summary>
public sealed class OpenAiSdkTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private async Task<CreatedApiKey> FundedKeyAsync(ApiKeyPolicy? policy = null, long routed = 5_000_000)
    {
        var (userId, _) = await Host.AddUserAsync(("routed", routed));
        return await Host.CreateKeyAsync(userId, policy);
    }

    [Fact]
    public async Task ListModels_WithKey_ReturnsTheRoutableCatalogue()
    {
        var key = await FundedKeyAsync();

        var models = (await Host.Sdk(key.Secret).GetOpenAIModelClient().GetModelsAsync()).Value;

        Assert.Equal(["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"], models.Select(m => m.Id).Order().ToArray());
        Assert.All(models, m => Assert.Equal("tokensforge-simulator", m.OwnedBy));
    }

    [Fact]
    public async Task ListModels_KeyWithAllowlist_ReturnsOnlyAllowedModels()
    {
        var key = await FundedKeyAsync(new ApiKeyPolicy(Models: ["gpt-4o"]));

        var models = (await Host.Sdk(key.Secret).GetOpenAIModelClient().GetModelsAsync()).Value;

        Assert.Equal(["gpt-4o"], models.Select(m => m.Id).ToArray());
    }

    [Fact]
    public async Task GetModel_KnownAndUnknown_ReturnsModelOr404()
    {
        var key = await FundedKeyAsync();
        var client = Host.Sdk(key.Secret).GetOpenAIModelClient();

        var model = (await client.GetModelAsync("gpt-4o-mini")).Value;
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => client.GetModelAsync("no-such-model"));

        Assert.Equal("gpt-4o-mini", model.Id);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task CompleteChat_NonStreaming_AnswersWithUsageAndChargesTheReceiptCost()
    {
        var key = await FundedKeyAsync();
        var chat = Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini");

        var result = await chat.CompleteChatAsync([new UserChatMessage("Say something about rivers.")]);
        var completion = result.Value;
        var raw = result.GetRawResponse();

        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(24, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(raw.Headers.TryGetValue("x-request-id", out var requestId) && requestId!.StartsWith("req_"));
        Assert.True(raw.Headers.TryGetValue("x-tokensforge-receipt", out var receiptText));
        Assert.True(raw.Headers.TryGetValue("x-tokensforge-cost", out var costText));

        await using var db = Host.NewContext();
        var receipt = await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == Guid.Parse(receiptText!));
        var price = await db.PriceSnapshots.SingleAsync(p => p.Id == receipt.PriceSnapshotId);
        var expected = new Prices(price.Id, price.InputPrice, price.OutputPrice, price.CachedInputPrice)
            .CostOf(completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount);
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.Equal(RouteKind.Routed, receipt.RouteKind);
        Assert.True(receipt.Simulated);
        Assert.Equal(expected, receipt.Cost);
        Assert.Equal(expected, long.Parse(costText!));
        Assert.Equal(expected, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(requestId, receipt.RequestId);
    }

    [Fact]
    public async Task CompleteChatStreaming_TextArrivesInChunks_UsageAtTheEnd()
    {
        var key = await FundedKeyAsync();
        var chat = Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini");
        const string prompt = "Tell me about stones.";

        var parts = new List<string>();
        ChatTokenUsage? usage = null;
        var usageSeenBeforeLastText = false;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(prompt)]))
        {
            foreach (var part in update.ContentUpdate)
            {
                if (usage is not null) usageSeenBeforeLastText = true;
                parts.Add(part.Text);
            }
            usage ??= update.Usage;
        }
        var whole = (await chat.CompleteChatAsync([new UserChatMessage(prompt)])).Value.Content[0].Text;

        Assert.True(parts.Count(p => p.Length > 0) > 1, "the text should arrive in several chunks");
        Assert.Equal(whole, string.Concat(parts));
        Assert.NotNull(usage);
        Assert.False(usageSeenBeforeLastText);
        Assert.Equal(24, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task GenerateEmbedding_ReturnsAUnitVector()
    {
        var key = await FundedKeyAsync();
        var embeddings = Host.Sdk(key.Secret).GetEmbeddingClient("text-embedding-3-small");

        var result = await embeddings.GenerateEmbeddingAsync("Tokens Forge");
        var vector = result.Value.ToFloats().ToArray();

        Assert.NotEmpty(vector);
        Assert.InRange(vector.Sum(v => (double)v * v), 0.999, 1.001);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tokensforge-receipt", out _));
    }

    [Fact]
    public async Task Sdk_InvalidKey_Surfaces401()
    {
        var bogus = ApiKeySecret.Generate();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(bogus).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, error.Status);
        Assert.Contains("invalid_api_key", error.Message);
    }

    [Fact]
    public async Task Sdk_ModelNotOnAllowlist_Surfaces403()
    {
        var key = await FundedKeyAsync(new ApiKeyPolicy(Models: ["gpt-4o"]));

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(403, error.Status);
        Assert.Contains("model_not_allowed", error.Message);
    }

    [Fact]
    public async Task Sdk_UnknownModel_Surfaces404()
    {
        var key = await FundedKeyAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(key.Secret).GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message);
    }

    [Fact]
    public async Task Sdk_InvalidOutputLimit_Surfaces400()
    {
        var key = await FundedKeyAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini")
            .CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 0 }));

        Assert.Equal(400, error.Status);
        Assert.Contains("max_completion_tokens", error.Message);
    }

    [Fact]
    public async Task Sdk_EmptyWallet_Surfaces402()
    {
        var (userId, _) = await Host.AddUserAsync();
        var key = await Host.CreateKeyAsync(userId);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(402, error.Status);
        Assert.Contains("insufficient_balance", error.Message);
    }

    [Fact]
    public async Task Sdk_OverRateLimit_Surfaces429WithRetryAfter()
    {
        var key = await FundedKeyAsync(new ApiKeyPolicy(RequestsPerMinute: 1));
        var chat = Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini");

        await chat.CompleteChatAsync([new UserChatMessage("first")]);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("second")]));

        Assert.Equal(429, error.Status);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retry) && int.Parse(retry!) is >= 1 and <= 60);
    }

    [Fact]
    public async Task Sdk_UpstreamFailsBeforeFirstByte_Surfaces502()
    {
        var key = await FundedKeyAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("[sim:fail]")]));

        Assert.Equal(502, error.Status);
        Assert.Contains("upstream_error", error.Message);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("x-tokensforge-receipt", out _));
    }

    [Fact]
    public async Task Sdk_UpstreamTooSlow_Surfaces504()
    {
        var key = await FundedKeyAsync();
        var slow = $"[sim:slow={(GatewayHostFixture.RouteTimeoutSeconds + 3) * 1000}]";

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage(slow)]));

        Assert.Equal(504, error.Status);
        Assert.Contains("upstream_timeout", error.Message);
    }
}
