using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.TopUps;

/// <summary>
/// The body of a payment webhook. <c>type</c> is <c>paid</c>, <c>failed</c> or <c>refunded</c>; <c>order</c> is the
/// order id or its reference; <c>amount</c> is in µ of <c>currency</c>.
/// </summary>
public sealed record PaymentWebhookPayload(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("order")] string Order,
    [property: JsonPropertyName("amount")] long Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("payment_reference")] string? PaymentReference = null,
    [property: JsonPropertyName("reason")] string? Reason = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Longest event id kept; the (provider, event id) index stores it whole.</summary>
    public const int MaxIdLength = 200;

    /// <summary>Longest order field: an order id (36) or a reference (20), with room for spacing.</summary>
    public const int MaxOrderLength = 64;

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
}

/// <summary>How a webhook delivery ended; the endpoint maps it to an HTTP status.</summary>
public enum WebhookStatus
{
    /// <summary>Processed now (200).</summary>
    Processed,

    /// <summary>This event was processed before; nothing changed (200).</summary>
    Duplicate,

    /// <summary>Missing or wrong signature (401).</summary>
    Unauthorized,

    /// <summary>Stale timestamp or a body that is not an event (400).</summary>
    BadRequest,

    /// <summary>No such provider or order (404).</summary>
    NotFound,

    /// <summary>The event id was used before with another body (409).</summary>
    Conflict,

    /// <summary>The event does not fit its order: other provider, amount or currency (422).</summary>
    Unprocessable,
}

/// <summary>The result of one delivery.</summary>
public sealed record WebhookResult(WebhookStatus Status, Error? Error = null, TopUpTransition? Transition = null, Guid? OrderId = null);

/// <summary>
/// Verifies and applies payment webhooks: signature (HMAC-SHA256 over timestamp and body), freshness of the
/// timestamp, then the event exactly once. The (provider, event id) unique index makes a replay, or the same event
/// delivered twice at once to two instances, change nothing; the order's conditional status updates do the rest.
/// </summary>
public sealed class PaymentWebhookProcessor(
    WriteTransaction writes,
    PaymentProviders providers,
    TopUpLifecycle lifecycle,
    IOptions<PaymentsOptions> options,
    AuditLog audit,
    TopUpMetrics metrics,
    TimeProvider time)
{
    public async Task<WebhookResult> HandleAsync(string providerKey, string? timestampHeader, string? signatureHeader, byte[] body,
        CancellationToken ct = default)
    {
        var settings = options.Value;
        if (providers.Find(providerKey) is not { IsEnabled: true, UsesWebhook: true } provider || settings.WebhookSecretFor(providerKey) is not { } secret)
            return new WebhookResult(WebhookStatus.NotFound, TopUpErrors.UnknownProvider);

        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp) || string.IsNullOrEmpty(signatureHeader))
            return new WebhookResult(WebhookStatus.Unauthorized, TopUpErrors.SignatureMissing);
        if (!WebhookSignature.Matches(secret, timestamp, body, signatureHeader))
        {
            if (SignedByOther(provider.Key, secret, timestamp, body, signatureHeader) is not { } signer)
                return new WebhookResult(WebhookStatus.Unauthorized, TopUpErrors.SignatureInvalid);
            // Whoever holds one provider's secret tried to pass an event off as another's: worth an audit entry. Plainly
            // wrong signatures are not audited, so that anyone on the internet cannot fill the audit trail.
            await writes.RunAsync(async (db, token) =>
            {
                await audit.AppendAsync(db, new AuditEntry($"webhook:{provider.Key}", "payment.refused", $"provider:{provider.Key}",
                    After: new { Error = TopUpErrors.SignedByOtherProvider.Code, SignedBy = signer, Event = Summary(body) }), token);
                return new WriteOutcome<bool>(true, true);
            }, ct);
            return new WebhookResult(WebhookStatus.Unauthorized, TopUpErrors.SignedByOtherProvider);
        }

        var now = time.GetUtcNow();
        DateTimeOffset sentAt;
        try { sentAt = DateTimeOffset.FromUnixTimeSeconds(timestamp); }
        catch (ArgumentOutOfRangeException) { return new WebhookResult(WebhookStatus.BadRequest, TopUpErrors.TimestampStale); }
        if ((now - sentAt).Duration() > settings.WebhookTolerance)
            return new WebhookResult(WebhookStatus.BadRequest, TopUpErrors.TimestampStale);

        if (Parse(body) is not { } payload || ParseType(payload.Type) is not { } type)
            return new WebhookResult(WebhookStatus.BadRequest, TopUpErrors.PayloadInvalid);
        if (Validate(payload) is { } invalid) return new WebhookResult(WebhookStatus.BadRequest, invalid);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));

        // The same event committed by a concurrent delivery makes this run again: the next look finds it and answers Duplicate.
        var handled = await writes.RunAsync(async (db, token) =>
        {
            var result = await ApplyAsync(db, provider.Key, payload, type, hash, sentAt.UtcDateTime, token);
            // A refused event keeps its audit entry; nothing else of it is written.
            return new WriteOutcome<WebhookResult>(result, result.Status is WebhookStatus.Processed or WebhookStatus.Unprocessable);
        }, ct);
        if (handled is { Status: WebhookStatus.Processed, Transition: { Changed: true } transition }) metrics.Entered(transition.Status);
        return handled;
    }

    private async Task<WebhookResult> ApplyAsync(AppDbContext db, string provider, PaymentWebhookPayload payload, PaymentEventType type, string hash,
        DateTime occurredAt, CancellationToken ct)
    {
        var earlier = await db.PaymentEvents.AsNoTracking().FirstOrDefaultAsync(e => e.Provider == provider && e.EventId == payload.Id, ct);
        if (earlier is not null)
            return earlier.PayloadHash == hash
                ? new WebhookResult(WebhookStatus.Duplicate, OrderId: earlier.OrderId)
                : new WebhookResult(WebhookStatus.Conflict, TopUpErrors.EventConflict);

        var order = Guid.TryParse(payload.Order, out var orderId)
            ? await db.TopUpOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == orderId, ct)
            : await db.TopUpOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Reference == payload.Order.Trim().ToUpperInvariant(), ct);
        if (order is null) return new WebhookResult(WebhookStatus.NotFound, TopUpErrors.OrderNotFound);
        // An event settles only an order of its own provider (a signed event of one provider must never pay an order
        // taken through another), and only for the order's exact amount; a refused attempt is audited, nothing moves.
        var refusal = !string.Equals(order.Provider, provider, StringComparison.OrdinalIgnoreCase) ? TopUpErrors.ProviderMismatch
            : payload.Amount != order.Amount || !string.Equals(payload.Currency, order.Currency, StringComparison.OrdinalIgnoreCase) ? TopUpErrors.AmountMismatch
            : null;
        if (refusal is not null)
        {
            await audit.AppendAsync(db, new AuditEntry($"webhook:{provider}", "payment.refused", $"order:{order.Reference}",
                Before: new { OrderId = order.Id, order.Provider, order.Amount, order.Currency, Status = order.Status.ToString() },
                After: new { Error = refusal.Code, EventId = payload.Id, Type = payload.Type, payload.Amount, payload.Currency }), ct);
            return new WebhookResult(WebhookStatus.Unprocessable, refusal, OrderId: order.Id);
        }

        var transition = type switch
        {
            PaymentEventType.Paid => await lifecycle.PaidAsync(db, order.Id, payload.PaymentReference, null, ct),
            PaymentEventType.Failed => await lifecycle.FailedAsync(db, order.Id, payload.Reason, ct),
            _ => await lifecycle.RefundedAsync(db, order.Id, ct),
        };

        db.PaymentEvents.Add(new PaymentEvent(Guid.CreateVersion7(), provider, payload.Id, type, order.Id, payload.Amount, hash,
            transition.Outcome, occurredAt, time.GetUtcNow().UtcDateTime));
        await db.SaveChangesAsync(ct);
        return new WebhookResult(WebhookStatus.Processed, Transition: transition, OrderId: order.Id);
    }

    /// <summary>The other webhook provider whose own secret (different from this one's) signed the body, if any.</summary>
    private string? SignedByOther(string provider, string secret, long timestamp, byte[] body, string signature) =>
        providers.All.Where(p => p.UsesWebhook && !string.Equals(p.Key, provider, StringComparison.OrdinalIgnoreCase))
            .Select(p => (p.Key, Secret: options.Value.WebhookSecretFor(p.Key)))
            .FirstOrDefault(p => p.Secret is not null && p.Secret != secret && WebhookSignature.Matches(p.Secret, timestamp, body, signature)).Key;

    /// <summary>What an audit entry keeps of a refused event: its id, type, order and amount when it parses, bounded.</summary>
    private static object? Summary(byte[] body) => Parse(body) is { } p
        ? new { EventId = Bound(p.Id), Type = Bound(p.Type), Order = Bound(p.Order), p.Amount, Currency = Bound(p.Currency) }
        : null;

    private static string? Bound(string? text) => text is { Length: > 100 } ? text[..100] : text;

    private static PaymentWebhookPayload? Parse(byte[] body)
    {
        try
        {
            var payload = JsonSerializer.Deserialize<PaymentWebhookPayload>(body, PaymentWebhookPayload.Json);
            return payload is { Id.Length: > 0, Order.Length: > 0, Currency.Length: 3 } ? payload : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every string the provider sends is checked before anything is stored, so an over-long or malformed value is a
    /// clear 400 the provider can see, never a database error that leaves a paid order stuck.
    /// </summary>
    private static Error? Validate(PaymentWebhookPayload payload) =>
        Field("id", payload.Id, PaymentWebhookPayload.MaxIdLength)
        ?? Field("order", payload.Order, PaymentWebhookPayload.MaxOrderLength)
        ?? Field("currency", payload.Currency, 3)
        ?? Field("payment_reference", payload.PaymentReference, TopUpOrder.MaxProviderReferenceLength)
        ?? Field("reason", payload.Reason, TopUpOrder.MaxFailureReasonLength);

    private static Error? Field(string name, string? value, int max) =>
        value is null ? null
        : value.Length > max ? TopUpErrors.FieldTooLong(name, max)
        : !TextRules.IsStorable(value) ? TopUpErrors.FieldMalformed(name)
        : null;

    private static PaymentEventType? ParseType(string? type) => type?.Trim().ToLowerInvariant() switch
    {
        "paid" => PaymentEventType.Paid,
        "failed" => PaymentEventType.Failed,
        "refunded" => PaymentEventType.Refunded,
        _ => null,
    };
}
