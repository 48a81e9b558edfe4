using System.Globalization;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;

namespace TokensForge.Web.Formatting;

/// <summary>
/// How the pages write times, money and ledger transfers: UTC in invariant culture (a server in any locale writes the same
/// text), money through <see cref="Core.Common.Money"/>, a transfer's kind and two-phase state in words.
/// </summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>To the second, for ledger and receipt rows.</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Invariant);

    public static string Time(DateTime? utc) => utc is { } t ? Time(t) : "—";

    /// <summary>To the minute, for expiries, windows and creation dates.</summary>
    public static string Minute(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant);

    public static string Minute(DateTime? utc) => utc is { } t ? Minute(t) : "—";

    public static string Money(long micros) => Core.Common.Money.Format(micros);

    /// <summary>An amount for an input field: plain units an admin or user can edit and that parse back exactly ("50.00", "0.000123").</summary>
    public static string Amount(long micros) => (micros / (decimal)Core.Common.Money.MicrosPerUnit).ToString("0.00####", Invariant);

    /// <summary>Money with its direction: "+¥5.00" in, "-¥0.01" out.</summary>
    public static string SignedMoney(long micros) => (micros > 0 ? "+" : "") + Core.Common.Money.Format(micros);

    /// <summary>What kind of movement a transfer is, in a word or two.</summary>
    public static string Kind(TransferCode code) => code switch
    {
        TransferCode.TopUp => "top-up",
        TransferCode.Expire => "expiry",
        TransferCode.Adjust => "adjustment",
        _ => code.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A transfer's state as the money moved: a hold reads as held until it is settled, then as what settled it (posted for
    /// an amount, released, expired); a settlement reads as what it did to its hold. Only an open hold is "pending".
    /// </summary>
    public static string State(WalletTransferView t) => t.Flags switch
    {
        TransferFlags.Pending => t.Resolution switch
        {
            null => t.ExpiresAt is { } expires ? $"pending hold, expires {Minute(expires)}" : "pending hold",
            { Flags: TransferFlags.PostPending } r => $"hold posted for {Money(r.Amount)}",
            { Flags: TransferFlags.VoidPending } => "hold released",
            { Flags: TransferFlags.ExpirePending } => "hold expired",
            _ => "hold settled",
        },
        TransferFlags.PostPending => $"posted for {Money(t.Amount)}",
        TransferFlags.VoidPending => "released",
        TransferFlags.ExpirePending => "expired",
        _ => "posted",
    };

    /// <summary>The other transfer of a hold's pair: the settlement of a hold, or the hold a settlement settles.</summary>
    public static Guid? Related(WalletTransferView t) => t.Resolution?.Id ?? t.PendingId;
}
