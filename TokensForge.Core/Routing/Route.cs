namespace TokensForge.Core.Routing;

/// <summary>
/// An upstream that serves models over the OpenAI protocol, or Anthropic's (<see cref="Protocol"/>). A relative <see cref="BaseUrl"/> (starting with
/// <c>/</c>) means this app itself: the built-in simulator. The upstream key is stored encrypted with ASP.NET
/// Data Protection (<see cref="UpstreamKeyProtector"/>).
/// </summary>
public sealed class Route
{
    private readonly List<RouteModel> _models = [];

    private Route() { }

    public Route(Guid id, string name, RouteKind kind, string baseUrl, string? protectedUpstreamKey, int priority, int weight,
        int timeoutSeconds, bool isSimulated, DateTime createdAt, int connectTimeoutSeconds = DefaultConnectTimeoutSeconds,
        int totalTimeoutSeconds = DefaultTotalTimeoutSeconds, int maxAnswerBytes = DefaultMaxAnswerBytes)
    {
        Id = id;
        Name = name;
        Kind = kind;
        BaseUrl = baseUrl;
        ProtectedUpstreamKey = protectedUpstreamKey;
        Priority = priority;
        Weight = weight;
        TimeoutSeconds = timeoutSeconds;
        ConnectTimeoutSeconds = connectTimeoutSeconds;
        TotalTimeoutSeconds = totalTimeoutSeconds;
        MaxAnswerBytes = maxAnswerBytes;
        IsSimulated = isSimulated;
        Enabled = true;
        CreatedAt = createdAt;
        UpdatedAt = createdAt;
    }

    /// <summary>Connect timeout of routes that name none: 10 seconds.</summary>
    public const int DefaultConnectTimeoutSeconds = 10;

    /// <summary>Total timeout of routes that name none: 10 minutes.</summary>
    public const int DefaultTotalTimeoutSeconds = 600;

    /// <summary>
    /// Answer limit of routes that name none: 16 MiB, far above a long chat answer or a batch of embeddings at today's
    /// dimensions, far below what would strain the process.
    /// </summary>
    public const int DefaultMaxAnswerBytes = 16 * 1024 * 1024;

    /// <summary>The smallest and largest answer limit an admin may set: 64 KiB and 256 MiB.</summary>
    public const int MinMaxAnswerBytes = 64 * 1024, MaxMaxAnswerBytes = 256 * 1024 * 1024;

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public RouteKind Kind { get; private set; }
    public string BaseUrl { get; private set; } = "";

    /// <summary>The upstream's API key, encrypted; null when the upstream needs none.</summary>
    public string? ProtectedUpstreamKey { get; private set; }

    /// <summary>Lower is tried first.</summary>
    public int Priority { get; private set; }

    /// <summary>Among routes of equal priority and price, higher weight is tried first.</summary>
    public int Weight { get; private set; }

    public bool Enabled { get; private set; }

    /// <summary>How long the upstream may take to send its first byte, and then between chunks.</summary>
    public int TimeoutSeconds { get; private set; }

    /// <summary>How long opening a new connection to the upstream may take.</summary>
    public int ConnectTimeoutSeconds { get; private set; }

    /// <summary>How long one upstream call may take from start to end, streamed or not.</summary>
    public int TotalTimeoutSeconds { get; private set; }

    /// <summary>
    /// The largest answer read from the upstream when it is read whole (a non-streaming chat completion, embeddings), in
    /// bytes; a bigger answer is cut off while being read and the request fails, free.
    /// </summary>
    public int MaxAnswerBytes { get; private set; }

    /// <summary>The built-in simulator: labelled simulated wherever the route shows.</summary>
    public bool IsSimulated { get; private set; }

    /// <summary>The field the upstream reads a chat request's output limit from (newer OpenAI models take only <c>max_completion_tokens</c>).</summary>
    public OutputLimitField LimitField { get; private set; }

    /// <summary>The upstream's wire protocol; which front doors the route may serve follows from it (<see cref="RouteEligibility"/>).</summary>
    public RouteProtocol Protocol { get; private set; }

    /// <summary>An OpenAI route whose upstream serves <c>/responses</c> itself: <c>/v1/responses</c> is passed through instead of translated.</summary>
    public bool NativeResponses { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    public IReadOnlyList<RouteModel> Models => _models;

    public void Serve(string modelId, string upstreamModelId) => _models.Add(new RouteModel(Id, modelId, upstreamModelId));

    public void Disable() => Enabled = false;

    public void Enable() => Enabled = true;

    /// <summary>An admin's edit of everything but the upstream key and the enabled flag.</summary>
    public void Reconfigure(string name, RouteKind kind, string baseUrl, int priority, int weight, int connectTimeoutSeconds, int firstByteTimeoutSeconds,
        int totalTimeoutSeconds, int maxAnswerBytes, bool isSimulated, DateTime now)
    {
        Name = name;
        Kind = kind;
        BaseUrl = baseUrl;
        Priority = priority;
        Weight = weight;
        ConnectTimeoutSeconds = connectTimeoutSeconds;
        TimeoutSeconds = firstByteTimeoutSeconds;
        TotalTimeoutSeconds = totalTimeoutSeconds;
        MaxAnswerBytes = maxAnswerBytes;
        IsSimulated = isSimulated;
        UpdatedAt = now;
    }

    /// <summary>An admin's choice of the upstream's protocol; only an OpenAI route can speak Responses natively.</summary>
    public void Speak(RouteProtocol protocol, bool nativeResponses, DateTime now)
    {
        Protocol = protocol;
        NativeResponses = protocol == RouteProtocol.OpenAi && nativeResponses;
        UpdatedAt = now;
    }

    /// <summary>Replaces the model map: public id → upstream id. Entries not named are no longer served.</summary>
    public void ServeOnly(IReadOnlyDictionary<string, string> modelMap, DateTime now)
    {
        _models.RemoveAll(m => !modelMap.ContainsKey(m.ModelId));
        foreach (var (modelId, upstreamId) in modelMap)
        {
            var existing = _models.FindIndex(m => m.ModelId == modelId);
            if (existing < 0) _models.Add(new RouteModel(Id, modelId, upstreamId));
            else if (_models[existing].UpstreamModelId != upstreamId) _models[existing].MapTo(upstreamId);
        }
        UpdatedAt = now;
    }

    /// <summary>Stores a new upstream key (already encrypted), or none.</summary>
    public void ReplaceUpstreamKey(string? protectedUpstreamKey, DateTime now)
    {
        ProtectedUpstreamKey = protectedUpstreamKey;
        UpdatedAt = now;
    }

    public void SetEnabled(bool enabled, DateTime now)
    {
        Enabled = enabled;
        UpdatedAt = now;
    }

    public void SendLimitAs(OutputLimitField field, DateTime now)
    {
        if (LimitField == field) return;
        LimitField = field;
        UpdatedAt = now;
    }
}

/// <summary>Which chat completion field carries the output limit to a route's upstream: exactly one of the two is sent.</summary>
public enum OutputLimitField
{
    /// <summary><c>max_tokens</c>: what every OpenAI-compatible server reads (vLLM, Ollama, DeepSeek, OpenRouter, …).</summary>
    MaxTokens,

    /// <summary><c>max_completion_tokens</c>: OpenAI's current field, the only one its reasoning models accept.</summary>
    MaxCompletionTokens,
}

/// <summary>One model a route serves: the public id and the id the upstream knows it by.</summary>
public sealed class RouteModel
{
    private RouteModel() { }

    public RouteModel(Guid routeId, string modelId, string upstreamModelId)
    {
        RouteId = routeId;
        ModelId = modelId;
        UpstreamModelId = upstreamModelId;
    }

    public Guid RouteId { get; private set; }
    public string ModelId { get; private set; } = "";
    public string UpstreamModelId { get; private set; } = "";

    internal void MapTo(string upstreamModelId) => UpstreamModelId = upstreamModelId;
}

/// <summary>
/// The prices of one model on one route from <see cref="EffectiveFrom"/> on, in µ per 1M tokens. Never edited:
/// a price change is a new snapshot, and receipts point at the snapshot they were charged with.
/// </summary>
public sealed class PriceSnapshot
{
    private PriceSnapshot() { }

    public PriceSnapshot(Guid id, Guid routeId, string modelId, long inputPrice, long outputPrice, long cachedInputPrice,
        DateTime effectiveFrom, string createdBy, DateTime createdAt, long? cacheWrite5mPrice = null, long? cacheWrite1hPrice = null)
    {
        CacheWrite5mPrice = cacheWrite5mPrice;
        CacheWrite1hPrice = cacheWrite1hPrice;
        Id = id;
        RouteId = routeId;
        ModelId = modelId;
        InputPrice = inputPrice;
        OutputPrice = outputPrice;
        CachedInputPrice = cachedInputPrice;
        EffectiveFrom = effectiveFrom;
        CreatedBy = createdBy;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Guid RouteId { get; private set; }
    public string ModelId { get; private set; } = "";
    public long InputPrice { get; private set; }
    public long OutputPrice { get; private set; }
    /// <summary>Prompt tokens read from a prompt cache (OpenAI's cached input, Anthropic's cache reads).</summary>
    public long CachedInputPrice { get; private set; }

    /// <summary>Prompt tokens written to a cache that lives 5 minutes; null means the input price.</summary>
    public long? CacheWrite5mPrice { get; private set; }

    /// <summary>Prompt tokens written to a cache that lives 1 hour; null means the input price.</summary>
    public long? CacheWrite1hPrice { get; private set; }

    /// <summary>The prices a request is charged at, cache-write prices that are not set being the input price.</summary>
    public Prices ToPrices() => new(Id, InputPrice, OutputPrice, CachedInputPrice, CacheWrite5mPrice ?? InputPrice, CacheWrite1hPrice ?? InputPrice);

    public DateTime EffectiveFrom { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
}
