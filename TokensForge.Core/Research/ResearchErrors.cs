using TokensForge.Core.Common;
using TokensForge.Core.Receipts;

namespace TokensForge.Core.Research;

/// <summary>The research assistant's expected failures.</summary>
public static class ResearchErrors
{
    public static readonly Error AllowanceExhausted = new(ReceiptReasons.ResearchAllowanceExhausted,
        "Today's free research allowance is used up (or too small for this question). It resets tomorrow; until then, use the playground with your own balance.");
}
