using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary><c>POST /v1/embeddings</c>: the input tokens are the whole worst case (embeddings have no output tokens).</summary>
public sealed class EmbeddingShape(EmbeddingRequest request, EmbeddingUpstream upstream, TokenCounter tokens) : IGatewayShape
{
    public const string EndpointName = "embeddings";

    /// <summary>The largest <c>dimensions</c> accepted (today's largest embedding models have a few thousand).</summary>
    public const int MaxDimensions = 16_384;

    public string Endpoint => EndpointName;
    public ModelKind ModelKind => ModelKind.Embedding;
    public string? Model => request.Model;
    public bool Stream => false;

    public GatewayError? Validate()
    {
        const string BadInput = "'input' must be a string, an array of strings, or an array of token arrays.";
        // Checked first: a string input returns early below. Upstreams answer with as many floats as asked for, so an
        // unbounded value is an unbounded answer.
        if (request.Dimensions is <= 0) return GatewayErrors.AtLeastOne("dimensions");
        if (request.Dimensions > MaxDimensions) return GatewayErrors.Invalid($"dimensions may be at most {MaxDimensions}.", "dimensions");
        if (request.Input is not { } input || input.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return GatewayErrors.Missing("input");
        if (input.ValueKind == JsonValueKind.String) return input.GetString()!.Length == 0 ? GatewayErrors.Invalid("'input' cannot be empty.", "input") : null;
        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0) return GatewayErrors.Invalid(BadInput, "input");
        if (input.GetArrayLength() > 2048) return GatewayErrors.Invalid("'input' may hold at most 2048 items.", "input");
        var kinds = input.EnumerateArray().Select(i => i.ValueKind).Distinct().ToList();
        if (kinds.Count != 1 || kinds[0] is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Array)) return GatewayErrors.Invalid(BadInput, "input");
        return null;
    }

    /// <summary>Embeddings hold no output: a ceiling is met or not by the input alone.</summary>
    public bool CapHeldOutput(long heldOutputTokens) => true;

    public (PromptBudget? Budget, GatewayError? Error) Measure(CatalogModel model) =>
        (new PromptBudget(tokens.CountEmbeddingInput(request.Input!.Value), 0), null);

    public Task<UpstreamOutcome> CallAsync(GatewayRequest gateway, RouteCandidate route, CancellationToken aborted) =>
        upstream.EmbedAsync(route, new EmbeddingRequest
        {
            Model = route.UpstreamModelId, Input = request.Input, EncodingFormat = request.EncodingFormat, Dimensions = request.Dimensions, Extra = request.Extra,
        }, gateway.Model.Id, aborted);

    public Task<string?> AnswerAsync(GatewayRequest gateway, UpstreamOutcome outcome, ChargeDecision decision, CancellationToken aborted)
    {
        if (outcome is not { Kind: UpstreamOutcomeKind.Completed, Embedding: { } embedding }) return Task.FromResult<string?>(null);
        embedding.Usage ??= decision.Usage;
        return Task.FromResult<string?>(JsonSerializer.Serialize(embedding, RelayJson.Embedding));
    }

    public Task EndAsync(UpstreamOutcome outcome, GatewayError? error, CancellationToken aborted) => Task.CompletedTask;
}
