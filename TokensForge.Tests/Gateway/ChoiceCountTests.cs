using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// <c>n</c> through the gateway to the simulator: n choices come back (whole or streamed), usage and the receipt count
/// every choice's output, and the hold covers n times the output limit.
/// </summary>
public sealed class ChoiceCountTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const int MaxTokens = 20;
    private const int Choices = 3;
    private const string Prompt = "[sim:fill] Three takes, please.";
    private GatewayHost Host => fixture.Host;

    private static object Body(bool stream) => new Dictionary<string, object>
    {
        ["model"] = "gpt-4o-mini", ["max_tokens"] = MaxTokens, ["n"] = Choices, ["stream"] = stream,
        ["stream_options"] = new { include_usage = true },
        ["messages"] = new[] { new { role = "user", content = Prompt } },
    };

    /// <summary>The routed prices of gpt-4o-mini and the prompt's tokens, as the gateway counts them.</summary>
    private (Prices Prices, int PromptTokens) Priced()
    {
        var request = new ChatCompletionRequest
        {
            Model = "gpt-4o-mini", MaxTokens = MaxTokens, N = Choices,
            Messages = [new ChatMessage { Role = "user", Content = JsonSerializer.SerializeToElement(Prompt) }],
        };
        var (input, output, cached) = SimulatorRoutes.Catalogue.Single(m => m.Id == "gpt-4o-mini").Routed;
        return (new Prices(Guid.Empty, input, output, cached), Host.Get<TokenCounter>().CountPrompt(request));
    }

    private async Task<HttpClient> ClientAsync(long funds)
    {
        var (userId, _) = await Host.AddUserAsync(("routed", funds));
        return Host.Client((await Host.CreateKeyAsync(userId)).Secret);
    }

    private async Task<RequestRecord> ReceiptAsync(HttpResponseMessage response)
    {
        var id = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        await using var db = Host.NewContext();
        return await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == id);
    }

    [Fact]
    public async Task ThreeChoices_EachFilled_UsageAndReceiptCountAllThree_HoldCoversThreeTimesTheLimit()
    {
        var (prices, promptTokens) = Priced();
        var worst = prices.WorstCase(promptTokens, Choices * MaxTokens);
        using var client = await ClientAsync(worst);

        var response = await client.PostAsJsonAsync("v1/chat/completions", Body(stream: false));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(text);
        var choices = body.RootElement.GetProperty("choices").EnumerateArray().ToList();
        var receipt = await ReceiptAsync(response);

        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal("length", c.GetProperty("finish_reason").GetString()));
        var answers = choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()!).ToList();
        Assert.All(answers, a => Assert.Equal(MaxTokens, Host.Get<TokenCounter>().Count(a)));
        Assert.Equal(Choices, answers.Distinct().Count());
        var usage = body.RootElement.GetProperty("usage");
        Assert.Equal(Choices * MaxTokens, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(promptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.False(receipt.Estimated);
        Assert.Equal(Choices * MaxTokens, receipt.CompletionTokens);
        Assert.Equal(worst, receipt.HoldAmount);
        Assert.Equal(prices.CostOf(promptTokens, Choices * MaxTokens), receipt.Cost);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task ThreeChoices_WalletShortOfThreeTimesTheLimit_Refused()
    {
        var (prices, promptTokens) = Priced();
        // Enough for two choices' worst case and nearly a third, but not all three.
        using var client = await ClientAsync(prices.WorstCase(promptTokens, Choices * MaxTokens) - 1);

        var response = await client.PostAsJsonAsync("v1/chat/completions", Body(stream: false));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var receipt = await ReceiptAsync(response);
        Assert.Equal(ReceiptReasons.InsufficientBalance, receipt.Reason);
        Assert.Equal(0, receipt.Cost);
    }

    [Fact]
    public async Task ThreeChoices_Streamed_InterleavedByIndex_SameAnswersAsWhole_UsageAndReceiptCountAllThree()
    {
        var (prices, promptTokens) = Priced();
        using var client = await ClientAsync(10 * prices.WorstCase(promptTokens, Choices * MaxTokens));
        using var whole = JsonDocument.Parse(await (await client.PostAsJsonAsync("v1/chat/completions", Body(stream: false))).Content.ReadAsStringAsync());
        var expected = whole.RootElement.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()).ToList();

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(Body(stream: true)) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var texts = new StringBuilder[Choices].Select(_ => new StringBuilder()).ToArray();
        var finishes = new string?[Choices];
        var order = new List<int>();
        JsonElement? usage = null;
        var done = false;
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ")) continue;
                if (line == "data: [DONE]")
                {
                    done = true;
                    continue;
                }
                var chunk = JsonDocument.Parse(line[6..]).RootElement.Clone();
                if (chunk.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object) usage = u;
                foreach (var choice in chunk.GetProperty("choices").EnumerateArray())
                {
                    var index = choice.GetProperty("index").GetInt32();
                    order.Add(index);
                    if (choice.GetProperty("delta").TryGetProperty("content", out var content)) texts[index].Append(content.GetString());
                    if (choice.GetProperty("finish_reason").GetString() is { } finish) finishes[index] = finish;
                }
            }
        }
        var receipt = await ReceiptAsync(response);

        Assert.True(done);
        Assert.Equal(expected, texts.Select(t => t.ToString()));
        Assert.Equal([0, 1, 2], order.Take(3));
        Assert.All(finishes, f => Assert.Equal("length", f));
        Assert.NotNull(usage);
        Assert.Equal(Choices * MaxTokens, usage.Value.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.True(receipt.Stream);
        Assert.False(receipt.Estimated);
        Assert.Equal(Choices * MaxTokens, receipt.CompletionTokens);
        Assert.Equal(prices.WorstCase(promptTokens, Choices * MaxTokens), receipt.HoldAmount);
        Assert.Equal(prices.CostOf(promptTokens, Choices * MaxTokens), receipt.Cost);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
    }
}
