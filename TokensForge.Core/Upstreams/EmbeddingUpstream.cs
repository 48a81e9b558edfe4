using TokensForge.Core.Routing;

namespace TokensForge.Core.Upstreams;

/// <summary>Embeddings on one route's upstream.</summary>
public sealed class EmbeddingUpstream(IOpenAiUpstream upstream, UpstreamCall calls)
{
    public async Task<UpstreamOutcome> EmbedAsync(RouteCandidate route, EmbeddingRequest request, string publicModel, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        try
        {
            using var response = await upstream.CreateEmbeddingAsync(request, call.Authorization, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            var embedding = await call.ReadAnswerAsync(response, OpenAiJsonContext.Default.EmbeddingResponse);
            if (embedding?.Data is null) return call.Fail((int)response.StatusCode, "The upstream's answer was not an embeddings list.");
            embedding.Model = publicModel;
            call.Outcome.Embedding = embedding;
            call.Outcome.ReportedUsage = embedding.Usage;
            call.Outcome.TimeToFirstToken = call.Elapsed;
            return call.Complete();
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }
}
