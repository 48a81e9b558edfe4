using System.Net.Http.Json;
using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Calls one route's upstream and relays its answer. Streams go chunk by chunk from the upstream's body to the
/// sink (nothing is buffered); the route's timeout applies to the first byte and then between chunks. Every
/// way of ending is reported as an <see cref="UpstreamOutcome"/>.
/// </summary>
public sealed class ChatUpstreamCall(IOpenAiUpstream upstream, UpstreamKeyProtector keys, TimeProvider time)
{
    private const int MaxErrorChars = 2000;

    public async Task<UpstreamOutcome> CompleteAsync(RouteCandidate route, ChatCompletionRequest request, string publicModel, CancellationToken clientAborted)
    {
        var outcome = new UpstreamOutcome();
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(route.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, timeout.Token);
        try
        {
            using var response = await upstream.CreateChatCompletionAsync(request, Authorization(route), route.BaseUrl, linked.Token);
            if (!response.IsSuccessStatusCode) return await FailedAsync(outcome, response, linked.Token);
            var completion = await response.Content.ReadFromJsonAsync(OpenAiJsonContext.Default.ChatCompletionResponse, linked.Token);
            if (completion?.Choices is null) return Failed(outcome, (int)response.StatusCode, "The upstream's answer was not a chat completion.");
            completion.Model = publicModel;
            foreach (var choice in completion.Choices) outcome.Deliver(choice.Message);
            outcome.Completion = completion;
            outcome.ReportedUsage = completion.Usage;
            outcome.TimeToFirstToken = time.GetElapsedTime(started);
            outcome.Kind = UpstreamOutcomeKind.Completed;
            return outcome;
        }
        catch (Exception ex) when (Classify(ex, clientAborted, timeout.Token, outcome, started: false) is { } kind)
        {
            outcome.Kind = kind;
            return outcome;
        }
    }

    public async Task<UpstreamOutcome> StreamAsync(RouteCandidate route, ChatCompletionRequest request, string publicModel, bool callerWantsUsage,
        Guid receiptId, IChatStreamSink sink, CancellationToken clientAborted)
    {
        var outcome = new UpstreamOutcome();
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(route.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, timeout.Token);
        try
        {
            using var response = await upstream.CreateChatCompletionAsync(request, Authorization(route), route.BaseUrl, linked.Token);
            if (!response.IsSuccessStatusCode) return await FailedAsync(outcome, response, linked.Token);
            await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
            using var reader = new StreamReader(body);
            while (true)
            {
                var line = await reader.ReadLineAsync(linked.Token);
                if (line is null)
                    return outcome.Started ? Cut(outcome, "The upstream closed the stream before [DONE].") : Failed(outcome, 200, "The upstream closed the stream before any data.");
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                var data = line.AsSpan(5).Trim();
                if (data.SequenceEqual("[DONE]"))
                {
                    outcome.Kind = UpstreamOutcomeKind.Completed;
                    return outcome;
                }

                var chunk = Parse(data);
                if (chunk is null)
                {
                    var message = $"The upstream sent an error or an unreadable event: {Truncate(data.ToString())}";
                    return outcome.Started ? Cut(outcome, message) : Failed(outcome, 200, message);
                }
                timeout.CancelAfter(route.Timeout);
                if (chunk.Usage is not null) outcome.ReportedUsage = chunk.Usage;
                chunk.Model = publicModel;
                if (!callerWantsUsage)
                {
                    chunk.Usage = null;
                    if (chunk.Choices is not { Count: > 0 }) continue;
                }

                if (!outcome.Started)
                {
                    outcome.Started = true;
                    outcome.TimeToFirstToken = time.GetElapsedTime(started);
                    await sink.StartAsync(receiptId, clientAborted);
                }
                await sink.WriteAsync(chunk, clientAborted);
                foreach (var choice in chunk.Choices ?? []) outcome.Deliver(choice.Delta);
            }
        }
        catch (Exception ex) when (Classify(ex, clientAborted, timeout.Token, outcome, outcome.Started) is { } kind)
        {
            outcome.Kind = kind;
            return outcome;
        }
    }

    public async Task<UpstreamOutcome> EmbedAsync(RouteCandidate route, EmbeddingRequest request, string publicModel, CancellationToken clientAborted)
    {
        var outcome = new UpstreamOutcome();
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(route.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, timeout.Token);
        try
        {
            using var response = await upstream.CreateEmbeddingAsync(request, Authorization(route), route.BaseUrl, linked.Token);
            if (!response.IsSuccessStatusCode) return await FailedAsync(outcome, response, linked.Token);
            var embedding = await response.Content.ReadFromJsonAsync(OpenAiJsonContext.Default.EmbeddingResponse, linked.Token);
            if (embedding?.Data is null) return Failed(outcome, (int)response.StatusCode, "The upstream's answer was not an embeddings list.");
            embedding.Model = publicModel;
            outcome.Embedding = embedding;
            outcome.ReportedUsage = embedding.Usage;
            outcome.TimeToFirstToken = time.GetElapsedTime(started);
            outcome.Kind = UpstreamOutcomeKind.Completed;
            return outcome;
        }
        catch (Exception ex) when (Classify(ex, clientAborted, timeout.Token, outcome, started: false) is { } kind)
        {
            outcome.Kind = kind;
            return outcome;
        }
    }

    private string? Authorization(RouteCandidate route) =>
        route.ProtectedUpstreamKey is { Length: > 0 } key ? "Bearer " + keys.Unprotect(key) : null;

    private static ChatCompletionChunk? Parse(ReadOnlySpan<char> data)
    {
        try
        {
            using var document = JsonDocument.Parse(data.ToString());
            if (document.RootElement.ValueKind != JsonValueKind.Object || document.RootElement.TryGetProperty("error", out _)) return null;
            return document.RootElement.Deserialize(OpenAiJsonContext.Default.ChatCompletionChunk);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Maps what went wrong to an outcome; null lets a genuine bug propagate.</summary>
    private static UpstreamOutcomeKind? Classify(Exception ex, CancellationToken clientAborted, CancellationToken timedOut, UpstreamOutcome outcome, bool started)
    {
        // Refit wraps transport failures of the send in its own exception type.
        while (ex is Refit.ApiRequestException { InnerException: { } inner }) ex = inner;
        if (clientAborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
            return UpstreamOutcomeKind.ClientCancelled;
        if (ex is ClientGoneException) return UpstreamOutcomeKind.ClientCancelled;
        if (ex is OperationCanceledException && timedOut.IsCancellationRequested)
        {
            outcome.Error = "The upstream did not answer within the route's timeout.";
            return started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.TimedOutBeforeFirstByte;
        }
        if (ex is HttpRequestException or IOException or JsonException or NotSupportedException)
        {
            outcome.Error = Truncate(ex.GetBaseException().Message);
            return started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.FailedBeforeFirstByte;
        }
        return null;
    }

    private static async Task<UpstreamOutcome> FailedAsync(UpstreamOutcome outcome, HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            body = "";
        }
        return Failed(outcome, (int)response.StatusCode, body.Length > 0 ? Truncate(body) : response.ReasonPhrase ?? "no body");
    }

    private static UpstreamOutcome Failed(UpstreamOutcome outcome, int? status, string error)
    {
        outcome.Kind = UpstreamOutcomeKind.FailedBeforeFirstByte;
        outcome.UpstreamStatus = status;
        outcome.Error = error;
        return outcome;
    }

    private static UpstreamOutcome Cut(UpstreamOutcome outcome, string error)
    {
        outcome.Kind = UpstreamOutcomeKind.CutAfterFirstByte;
        outcome.Error = error;
        return outcome;
    }

    private static string Truncate(string text) => text.Length > MaxErrorChars ? text[..MaxErrorChars] : text;
}

/// <summary>Thrown by a sink when the caller can no longer receive output.</summary>
public sealed class ClientGoneException(string message, Exception? inner = null) : Exception(message, inner);
