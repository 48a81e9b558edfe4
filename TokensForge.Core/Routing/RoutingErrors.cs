using TokensForge.Core.Common;

namespace TokensForge.Core.Routing;

/// <summary>Why a route, model or price change was refused. Nothing is saved when one of these is returned.</summary>
public static class RoutingErrors
{
    public static readonly Error RouteNotFound = new("route_not_found", "No route has this id.");
    public static readonly Error NameRequired = new("route_name_required", "Give the route a name (at most 100 characters).");
    public static Error NameTaken(string name) => new("route_name_taken", $"Another route is already called '{name}'. Route names are unique.");
    public static readonly Error InvalidBaseUrl = new("invalid_base_url",
        "The base URL must be an absolute http(s) URL such as https://api.openai.com/v1, or /sim/v1 for the built-in simulator.");
    public static readonly Error InvalidPriority = new("invalid_priority", "Priority must be between 0 and 10000 (lower is tried first).");
    public static readonly Error InvalidWeight = new("invalid_weight", "Weight must be between 0 and 1000.");
    public static readonly Error InvalidTimeout = new("invalid_timeout",
        "Timeouts are whole seconds: connect 1–120, first byte 1–600, total 1–3600, and the total may not be shorter than the first-byte timeout.");
    public static Error TimeoutOutlastsHold(int totalSeconds, TimeSpan holdTimeout) => new("timeout_outlasts_hold",
        $"The total timeout ({totalSeconds} s) must be shorter than Gateway:HoldTimeout ({holdTimeout.TotalSeconds:0} s): a request still running "
        + "when its hold expires could no longer be charged. Lower the total timeout or raise Gateway:HoldTimeout.");
    public static readonly Error InvalidAnswerLimit = new("invalid_answer_limit",
        $"The answer limit must be between {Route.MinMaxAnswerBytes / 1024} KiB and {Route.MaxMaxAnswerBytes / 1024} KiB ({Route.MaxMaxAnswerBytes / 1024 / 1024} MiB).");
    public static readonly Error NoModels = new("route_serves_no_model", "Map at least one public model id to the id the upstream knows it by.");
    public static Error DuplicateModel(string id) => new("duplicate_model", $"The model '{id}' is mapped twice.");
    public static Error UnknownModels(IEnumerable<string> ids) =>
        new("unknown_model", $"These models are not in the catalogue: {string.Join(", ", ids)}.");
    public static readonly Error InvalidUpstreamModel = new("invalid_upstream_model", "Every mapped model needs the upstream's model id (at most 200 characters).");
    public static readonly Error UpstreamKeyTooLong = new("invalid_upstream_key", "The upstream key is longer than 2000 characters.");
    public static readonly Error InvalidProtocol = new("invalid_protocol", "The protocol must be OpenAI or Anthropic.");
    public static readonly Error NativeResponsesNeedOpenAi = new("invalid_protocol",
        "Only an OpenAI route can speak the Responses API natively; an Anthropic route serves /v1/messages only.");

    public static Error AnthropicServesNoEmbeddings(string model) => new("invalid_protocol",
        $"{model} is an embedding model: an Anthropic route serves /v1/messages only, so it cannot serve it.");

    public static readonly Error ModelNotFound = new("model_not_found", "No model of the catalogue has this id.");
    public static readonly Error InvalidModelId = new("invalid_model_id",
        "A model id is 1–100 letters, digits and . _ - : / characters, e.g. gpt-4o-mini.");
    public static readonly Error ModelExists = new("model_exists", "A model with this id is already in the catalogue.");
    public static readonly Error InvalidModel = new("invalid_model", "A model needs a display name (at most 200 characters) and a context window of 1 to 10,000,000 tokens.");
    public static readonly Error InvalidMaxOutput = new("invalid_max_output", "A model's maximum output must be at least 1 token and no more than its context window (or empty when not known).");
    public static readonly Error ModelKindFixed = new("model_kind_fixed", "A model's kind (chat or embedding) cannot change; add a new model instead.");

    public static readonly Error ModelNotServed = new("model_not_served", "This route does not serve that model; map it on the route first.");
    public static readonly Error InvalidPrice = new("invalid_price", "Prices are whole µ per 1M tokens, from 0 to 1,000,000,000,000.");
    public static readonly Error EffectiveInPast = new("price_effective_in_past", "A new price takes effect now or at a future time, never in the past.");
}
