using System.Net.Http.Headers;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using TokensForge.Core.Common;
using TokensForge.Core.TopUps;

namespace TokensForge.Web.Api.Payments;

/// <summary>
/// The test checkout's "payment provider": it posts a correctly signed event for an order to this app's own webhook
/// over HTTP, so the signature check, the timestamp window, idempotency and crediting all run as for a real provider.
/// Only for orders of the test provider, and only while it is enabled.
/// </summary>
public sealed class TestCheckoutClient(IHttpClientFactory http, IOptions<PaymentsOptions> options, TimeProvider time, NavigationManager navigation)
{
    public const string HttpClientName = "test-checkout";

    public static readonly Error Disabled = new("test_checkout_disabled", "The test checkout is not enabled in this configuration.");

    /// <summary>Sends one event and returns the webhook's answer in words, or its error.</summary>
    public async Task<Result<string>> SendAsync(TopUpOrderView order, PaymentEventType type, CancellationToken ct = default)
    {
        var settings = options.Value;
        if (!settings.TestCheckoutEnabled || settings.WebhookSecretFor(TestCheckoutProvider.ProviderKey) is not { } secret) return Disabled;
        if (order.Provider != TestCheckoutProvider.ProviderKey) return TopUpErrors.ProviderMismatch;

        var payload = new PaymentWebhookPayload($"evt_test_{Guid.NewGuid():N}", type.ToString().ToLowerInvariant(), order.Id.ToString(),
            order.Amount, order.Currency, PaymentReference: $"test-{order.Reference}", Reason: type == PaymentEventType.Failed ? "Simulated card decline" : null);
        var body = payload.ToUtf8();
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var url = new Uri(new Uri(navigation.BaseUri), $"api/payments/webhook/{TestCheckoutProvider.ProviderKey}");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Compute(secret, timestamp, body));

        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(ct);
            if (response.IsSuccessStatusCode) return answer?.Outcome ?? answer?.Status ?? "processed";
            return new Error(answer?.Error ?? "webhook_failed", answer?.Message ?? $"The webhook answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException ex)
        {
            return new Error("webhook_unreachable", $"The webhook could not be reached: {ex.Message}");
        }
    }
}
