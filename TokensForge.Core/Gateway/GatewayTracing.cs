using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TokensForge.Core.Telemetry;

namespace TokensForge.Core.Gateway;

/// <summary>
/// The gateway's spans (source <see cref="TelemetryNames.GatewaySource"/>): <c>gateway.request</c> around a whole request
/// with <c>gateway.admission</c>, <c>gateway.hold</c>, <c>gateway.upstream</c> and <c>gateway.settlement</c> inside it.
/// </summary>
/// <remarks>
/// With no listener <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null before allocating
/// anything, and every tag is set through <c>?.</c>, so its value is not even computed: spans cost a null check.
/// </remarks>
public static partial class GatewayTracing
{
    public static readonly ActivitySource Source = new(TelemetryNames.GatewaySource);

    public const string Request = "gateway.request";
    public const string Admission = "gateway.admission";
    public const string Hold = "gateway.hold";
    public const string Upstream = "gateway.upstream";
    public const string Settlement = "gateway.settlement";

    public const string ReceiptIdTag = "tokensforge.receipt_id";

    public static Activity? StartRequest(string frontDoor) => Source.StartActivity(Request)?.SetTag("tokensforge.front_door", frontDoor);

    public static Activity? Start(string name) => Source.StartActivity(name);

    /// <summary>Names the receipt on the request's span and on every log line written while the request runs.</summary>
    public static IDisposable? Receipt(Activity? span, ILogger log, Guid receiptId)
    {
        span?.SetTag(ReceiptIdTag, receiptId.ToString());
        return ReceiptScope(log, receiptId);
    }

    private static readonly Func<ILogger, Guid, IDisposable?> ReceiptScope = LoggerMessage.DefineScope<Guid>("Receipt {ReceiptId}");
}
