namespace TokensForge.Core.Routing;

/// <summary>What a model does, which decides the endpoint that serves it.</summary>
public enum ModelKind
{
    Chat,
    Embedding,
}

/// <summary>A model of the public catalogue, by the id callers send (e.g. <c>gpt-4o-mini</c>).</summary>
public sealed class ModelInfo
{
    private ModelInfo() { }

    public ModelInfo(string id, string displayName, ModelKind kind, int contextWindow, string ownedBy, DateTime createdAt, int? maxOutputTokens = null)
    {
        MaxOutputTokens = maxOutputTokens;
        Id = id;
        DisplayName = displayName;
        Kind = kind;
        ContextWindow = contextWindow;
        OwnedBy = ownedBy;
        CreatedAt = createdAt;
    }

    public string Id { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public ModelKind Kind { get; private set; }

    /// <summary>Prompt plus output tokens the model accepts.</summary>
    public int ContextWindow { get; private set; }

    /// <summary>
    /// The most output tokens one answer of the model may have (its upstream's own limit); a request that names no output
    /// limit is held for this much and gets it upstream. Null: not known (the gateway's default applies).
    /// </summary>
    public int? MaxOutputTokens { get; private set; }

    public string OwnedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    /// <summary>An admin's edit of how the model is shown and how much it accepts.</summary>
    public void Describe(string displayName, int contextWindow, string ownedBy, int? maxOutputTokens)
    {
        DisplayName = displayName;
        ContextWindow = contextWindow;
        OwnedBy = ownedBy;
        MaxOutputTokens = maxOutputTokens;
    }
}
