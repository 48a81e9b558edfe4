using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Alerts;

public sealed record AlertSettingsView(long? LowBalance, IReadOnlyList<int> BudgetPercents, string? WebhookUrl, bool HasSecret);

public sealed record NoticeView(Guid Id, string Kind, string Message, DateTime CreatedAt, string EventId);

public sealed record DeliveryView(string EventId, string Url, int Attempts, DateTime? DeliveredAt, DateTime? NextAttemptAt, int? LastStatus, string? LastError,
    DateTime CreatedAt);

public static class AlertErrors
{
    public static readonly Error InvalidThreshold = new("invalid_alert_threshold", "The low-balance threshold must be a positive amount of at most six decimals.");
    public static readonly Error InvalidPercents = new("invalid_alert_percents", "Budget alerts are up to five whole percentages from 1 to 100, e.g. 80, 100.");
    public static readonly Error InvalidWebhookUrl = new("invalid_webhook_url", "The webhook must be an absolute http:// or https:// address.");
}

/// <summary>A user's alert settings, notices and webhook deliveries. The webhook secret is encrypted at rest and shown once, when it is made.</summary>
public sealed class AlertService(IDbContextFactory<AppDbContext> contexts, IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector _secrets = protection.CreateProtector(SecretPurpose);
    internal const string SecretPurpose = "TokensForge.Alerts.WebhookSecret.v1";

    public async Task<AlertSettingsView> GetAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var s = await db.AlertSettings.AsNoTracking().FirstOrDefaultAsync(x => x.UserId == userId, ct);
        return s is null ? new AlertSettingsView(null, [80, 100], null, false) : new AlertSettingsView(s.LowBalance, s.Percents, s.WebhookUrl, s.ProtectedWebhookSecret is not null);
    }

    /// <summary>Saves the settings; the value is the webhook's new secret when one was made (a webhook set for the first time), to show once.</summary>
    public async Task<Result<string?>> SaveAsync(string userId, long? lowBalance, IReadOnlyList<int> percents, string? webhookUrl, CancellationToken ct = default)
    {
        if (lowBalance is <= 0) return AlertErrors.InvalidThreshold;
        if (percents.Count > 5 || percents.Any(p => p is < 1 or > 100)) return AlertErrors.InvalidPercents;
        webhookUrl = string.IsNullOrWhiteSpace(webhookUrl) ? null : webhookUrl.Trim();
        if (webhookUrl is not null && (!Uri.TryCreate(webhookUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || webhookUrl.Length > 500))
            return AlertErrors.InvalidWebhookUrl;

        await using var db = await contexts.CreateDbContextAsync(ct);
        var settings = await db.AlertSettings.FirstOrDefaultAsync(x => x.UserId == userId, ct);
        if (settings is null) db.AlertSettings.Add(settings = new AlertSettings(userId));
        settings.Change(lowBalance, percents, webhookUrl, time.GetUtcNow().UtcDateTime);
        string? secret = null;
        if (webhookUrl is not null && settings.ProtectedWebhookSecret is null) settings.UseSecret(_secrets.Protect(secret = NewSecret()));
        await db.SaveChangesAsync(ct);
        return secret;
    }

    /// <summary>Replaces the webhook secret; the new one is returned to show once.</summary>
    public async Task<string?> RotateSecretAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var settings = await db.AlertSettings.FirstOrDefaultAsync(x => x.UserId == userId, ct);
        if (settings?.WebhookUrl is null) return null;
        var secret = NewSecret();
        settings.UseSecret(_secrets.Protect(secret));
        await db.SaveChangesAsync(ct);
        return secret;
    }

    public async Task<IReadOnlyList<NoticeView>> NoticesAsync(string userId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Notices.AsNoTracking().Where(n => n.UserId == userId).OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Take(take)
            .Select(n => new NoticeView(n.Id, n.Kind, n.Message, n.CreatedAt, n.EventId)).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(string userId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.WebhookDeliveries.AsNoTracking().Where(d => d.UserId == userId).OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.NoticeId).Take(take)
            .Select(d => new DeliveryView(d.EventId, d.Url, d.Attempts, d.DeliveredAt, d.NextAttemptAt, d.LastStatus, d.LastError, d.CreatedAt)).ToListAsync(ct);
    }

    internal string Unprotect(string protectedSecret) => _secrets.Unprotect(protectedSecret);

    private static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
