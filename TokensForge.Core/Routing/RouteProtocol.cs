namespace TokensForge.Core.Routing;

/// <summary>The wire protocol a route's upstream speaks.</summary>
public enum RouteProtocol
{
    /// <summary>OpenAI's chat completions and embeddings (and, with <see cref="Route.NativeResponses"/>, the Responses API).</summary>
    OpenAi,

    /// <summary>Anthropic's Messages API (<c>POST {base}/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>).</summary>
    Anthropic,
}

/// <summary>
/// Which routes may serve which front door — one rule for routing, the quote and the playground's hold preview. An
/// OpenAI route serves every front door (Messages and Responses by translation to chat completions, or Responses passed
/// through when it speaks them natively). An Anthropic route serves <c>/v1/messages</c> only, passed through: there is
/// no translation from chat completions, embeddings or Responses to Anthropic's Messages, so it is not eligible for them.
/// </summary>
public static class RouteEligibility
{
    /// <summary>The receipt's endpoint name of <c>/v1/messages</c>.</summary>
    public const string Messages = "messages";

    public static bool Serves(this RouteCandidate route, string endpoint) =>
        route.Protocol == RouteProtocol.OpenAi || endpoint == Messages;
}
