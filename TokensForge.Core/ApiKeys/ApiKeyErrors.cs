using TokensForge.Core.Common;

namespace TokensForge.Core.ApiKeys;

/// <summary>The expected failures of key management and key checks.</summary>
public static class ApiKeyErrors
{
    public static readonly Error Invalid = new("invalid_api_key", "Incorrect API key provided. Create a key on the API keys page.");
    public static readonly Error Missing = new("invalid_api_key", "No API key provided. Send it as 'Authorization: Bearer tf-…'.");
    public static readonly Error Revoked = new("invalid_api_key", "This API key has been revoked.");
    public static readonly Error Expired = new("invalid_api_key", "This API key has expired.");
    public static readonly Error AccountDisabled = new("account_disabled", "The account this API key belongs to is disabled. Contact the platform's administrators.");
    public static readonly Error NotFound = new("key_not_found", "No such API key.");
    public static readonly Error AlreadyRevoked = new("key_already_revoked", "This API key is already revoked.");
    public static readonly Error NameRequired = new("key_name_required", "Give the key a name of at most 100 characters.");
    public static readonly Error ExpiryInPast = new("key_expiry_in_past", "The expiry must be in the future.");
    public static readonly Error InvalidSpendLimit = new("invalid_spend_limit", "The spend limit must be a positive amount.");
    public static readonly Error InvalidRateLimit = new("invalid_rate_limit", "The requests-per-minute limit must be between 1 and 100000.");
    public static readonly Error InvalidTokenLimit = new("invalid_token_limit", "The tokens-per-minute limit must be between 1 and 100000000.");
    public static readonly Error InvalidConcurrencyLimit = new("invalid_concurrency_limit", "The concurrent-requests limit must be between 1 and 10000.");
    public static readonly Error PrefixAmbiguous = new("key_prefix_ambiguous", "More than one key starts with this prefix; give more characters.");
    public static readonly Error RateLimited = new("rate_limit_exceeded", "Rate limit reached for this API key. Retry after the time in the Retry-After header.");
    public static readonly Error SpendLimitReached = new("key_spend_limit_reached", "This API key has reached its spend limit.");
}
