namespace TokensForge.Core.Gateway.Responses;

/// <summary>
/// A response kept for its owner (<c>store</c>, default true): the Response object <c>GET /v1/responses/{id}</c> returns,
/// and the conversation up to and including it (every earlier turn's items, this request's input items, its output
/// items), so <c>previous_response_id</c> continues it from one row. Kept until <see cref="ExpiresAt"/>.
/// </summary>
public sealed class StoredResponse
{
    private StoredResponse() { }

    public StoredResponse(string id, string userId, Guid receiptId, DateTime createdAt, DateTime expiresAt, string responseJson, string conversationJson)
    {
        Id = id;
        UserId = userId;
        ReceiptId = receiptId;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        ResponseJson = responseJson;
        ConversationJson = conversationJson;
    }

    /// <summary><c>resp_</c> and the receipt id: the response and its receipt name each other.</summary>
    public string Id { get; private set; } = "";

    public string UserId { get; private set; } = "";
    public Guid ReceiptId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime ExpiresAt { get; private set; }

    /// <summary>The Response object as answered.</summary>
    public string ResponseJson { get; private set; } = "";

    /// <summary>A JSON array of Responses input items: the whole conversation so far.</summary>
    public string ConversationJson { get; private set; } = "";
}
