namespace TokensForge.Core.Campaigns;

/// <summary>
/// One attempt to redeem a code, written before the code is looked at and given its outcome afterwards. The
/// brute-force guard counts these rows, so it holds across app instances sharing the database.
/// </summary>
public sealed class CodeAttempt
{
    /// <summary>The outcome of a successful redemption.</summary>
    public const string Succeeded = "ok";

    private CodeAttempt() { }

    internal CodeAttempt(string userId, string? clientIp, string input, DateTime attemptedAt)
    {
        UserId = userId;
        ClientIp = clientIp;
        Input = input.Length > 64 ? input[..64] : input;
        AttemptedAt = attemptedAt;
    }

    public long Id { get; private set; }
    public string UserId { get; private set; } = "";
    public string? ClientIp { get; private set; }

    /// <summary>What was typed (cut to 64 characters), for support.</summary>
    public string Input { get; private set; } = "";

    public DateTime AttemptedAt { get; private set; }

    /// <summary>Null while the attempt runs; then <see cref="Succeeded"/> or the error code.</summary>
    public string? Outcome { get; private set; }
}
