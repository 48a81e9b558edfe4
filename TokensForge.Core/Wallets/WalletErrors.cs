using TokensForge.Core.Common;

namespace TokensForge.Core.Wallets;

/// <summary>Expected failures of wallet operations.</summary>
public static class WalletErrors
{
    public static Error UnknownBucket(string key) => new("unknown_bucket", $"There is no balance bucket '{key}'. Use official, routed or starter.");
    public static Error MemoTooLong(int max) => new("invalid_memo", $"A memo has at most {max} characters and no control characters.");
    public static readonly Error ExpiryInPast = new("invalid_expiry", "The expiry time must be in the future.");
}
