using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// Chat completions on one route's upstream. Streams go chunk by chunk from the upstream's body to the sink (nothing
/// is buffered); usage is always asked for upstream and passed on only when the caller asked for it.
/// </summary>
public sealed class ChatUpstream(IOpenAiUpstream upstream, UpstreamCall calls)
{
    public async Task<UpstreamOutcome> CompleteAsync(RouteCandidate route, ChatCompletionRequest request, string publicModel, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        try
        {
            using var response = await upstream.CreateChatCompletionAsync(request, call.Authorization, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            var completion = await call.ReadAnswerAsync(response, OpenAiJsonContext.Default.ChatCompletionResponse);
            if (completion?.Choices is null) return call.Fail((int)response.StatusCode, "The upstream's answer was not a chat completion.");
            completion.Model = publicModel;
            foreach (var choice in completion.Choices) call.Outcome.Deliver(choice.Message);
            call.Outcome.Completion = completion;
            call.Outcome.ReportedUsage = completion.Usage;
            call.Outcome.TimeToFirstToken = call.Elapsed;
            return call.Complete();
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }

    public async Task<UpstreamOutcome> StreamAsync(RouteCandidate route, ChatCompletionRequest request, string publicModel, bool callerWantsUsage,
        Guid receiptId, IChatStreamSink sink, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        var outcome = call.Outcome;
        try
        {
            using var response = await upstream.CreateChatCompletionAsync(request, call.Authorization, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            await using var body = await call.ReadEventsAsync(response);
            using var reader = new StreamReader(body);
            while (true)
            {
                var line = await reader.ReadLineAsync(call.Token);
                if (line is null)
                    return outcome.Started ? call.Cut("The upstream closed the stream before [DONE].") : call.Fail(200, "The upstream closed the stream before any data.");
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                var data = line.AsSpan(5).Trim();
                if (data.SequenceEqual("[DONE]")) return call.Complete();

                var chunk = Parse(data);
                if (chunk is null)
                {
                    var message = $"The upstream sent an error or an unreadable event: {call.Clean(data.ToString())}";
                    return outcome.Started ? call.Cut(message) : call.Fail(200, message);
                }
                call.Heard();
                if (chunk.Usage is not null) outcome.ReportedUsage = chunk.Usage;
                chunk.Model = publicModel;
                if (!callerWantsUsage)
                {
                    chunk.Usage = null;
                    if (chunk.Choices is not { Count: > 0 }) continue;
                }

                if (call.StartsOutput()) await sink.StartAsync(receiptId, clientAborted);
                await sink.WriteAsync(chunk, clientAborted);
                foreach (var choice in chunk.Choices ?? []) outcome.Deliver(choice.Delta);
            }
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }

    /// <summary>
    /// One event's chunk, read straight into the contract (every chunk of every stream passes here: parsing it into a
    /// document first and then into the contract took twice as long); an <c>error</c> object or anything but a chunk is null.
    /// </summary>
    private static ChatCompletionChunk? Parse(ReadOnlySpan<char> data)
    {
        try
        {
            var chunk = JsonSerializer.Deserialize(data, OpenAiJsonContext.Default.ChatCompletionChunk);
            return chunk is null || chunk.Extra?.ContainsKey("error") == true ? null : chunk;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
