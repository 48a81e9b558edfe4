using Microsoft.AspNetCore.Http.HttpResults;
using TokensForge.Core.TopUps;

namespace TokensForge.Web.Api.Payments;

/// <summary>What the webhook answers: <c>processed</c> or <c>duplicate</c>, or an error code and message.</summary>
public sealed record WebhookResponse(string Status, string? Outcome = null, string? OrderStatus = null, string? Error = null, string? Message = null);

/// <summary>The signed payment webhook: <c>POST /api/payments/webhook/{provider}</c>.</summary>
public static class PaymentWebhookEndpoints
{
    /// <summary>Events are small; anything bigger is not one of ours.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapPaymentWebhooks(this IEndpointRouteBuilder app)
    {
        // Anonymous on purpose: the HMAC signature over timestamp and body is the authentication.
        app.MapPost("/api/payments/webhook/{provider}", HandleAsync).AllowAnonymous().WithName("PaymentWebhook");
        return app;
    }

    public static async Task<Results<Ok<WebhookResponse>, JsonHttpResult<WebhookResponse>>> HandleAsync(
        string provider, HttpRequest request, PaymentWebhookProcessor processor, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes) return Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The body is too large.");
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The body is too large.");
            buffer.Write(chunk, 0, read);
        }

        var result = await processor.HandleAsync(provider, request.Headers[WebhookSignature.TimestampHeader].FirstOrDefault(),
            request.Headers[WebhookSignature.SignatureHeader].FirstOrDefault(), buffer.ToArray(), ct);
        return result.Status switch
        {
            WebhookStatus.Processed => TypedResults.Ok(new WebhookResponse("processed", result.Transition?.Outcome,
                result.Transition?.Status.ToString().ToLowerInvariant())),
            WebhookStatus.Duplicate => TypedResults.Ok(new WebhookResponse("duplicate")),
            WebhookStatus.Unauthorized => Error(StatusCodes.Status401Unauthorized, result.Error!),
            WebhookStatus.BadRequest => Error(StatusCodes.Status400BadRequest, result.Error!),
            WebhookStatus.NotFound => Error(StatusCodes.Status404NotFound, result.Error!),
            WebhookStatus.Conflict => Error(StatusCodes.Status409Conflict, result.Error!),
            _ => Error(StatusCodes.Status422UnprocessableEntity, result.Error!),
        };
    }

    private static JsonHttpResult<WebhookResponse> Error(int status, Core.Common.Error error) => Error(status, error.Code, error.Message);

    private static JsonHttpResult<WebhookResponse> Error(int status, string code, string message) =>
        TypedResults.Json(new WebhookResponse("error", Error: code, Message: message), statusCode: status);
}
