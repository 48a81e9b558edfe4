using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TokensForge.Core.Data;

/// <summary>
/// Where the Data Protection key ring lives and how it is protected at rest (section <c>DataProtection</c>). The ring
/// encrypts the routes' upstream keys and the sign-in cookies: kept in plain XML beside the upstream keys, one copy
/// of the database would give both away.
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>Keep the ring as files in this directory (shared by every instance) instead of the database. Default empty: the database.</summary>
    public string? KeysDirectory { get; set; }

    /// <summary>A certificate with its private key (PFX) whose public key encrypts every key of the ring. Default none.</summary>
    public CertificateSource Certificate { get; set; } = new();

    /// <summary>Certificates that only decrypt: the ones older keys were encrypted with, kept while a certificate is rotated.</summary>
    public List<CertificateSource> PreviousCertificates { get; set; } = [];

    /// <summary>Let the Production environment run with the ring unencrypted in the database. Default false.</summary>
    public bool AllowUnprotectedKeys { get; set; }

    /// <summary>True when the keys are encrypted with a certificate or kept outside the database.</summary>
    public bool IsProtected => Certificate.IsSet || !string.IsNullOrWhiteSpace(KeysDirectory);

    /// <summary>Why the Production environment must not start with these options, or null when it may.</summary>
    public string? ProductionRefusal() => IsProtected || AllowUnprotectedKeys
        ? null
        : "DataProtection: the key ring that encrypts upstream keys and sign-in cookies would be stored unencrypted in the database. "
          + "Set DataProtection:Certificate:Path (with DataProtection:Certificate:Password) or DataProtection:Certificate:Base64 to encrypt it, "
          + "or DataProtection:KeysDirectory to keep it outside the database; DataProtection:AllowUnprotectedKeys=true accepts the risk.";
}

/// <summary>A PFX certificate from a file or from base64 text (an environment variable), with its password.</summary>
public sealed class CertificateSource
{
    /// <summary>Path of a PFX file.</summary>
    public string? Path { get; set; }

    /// <summary>The PFX file itself, base64-encoded (e.g. <c>DataProtection__Certificate__Base64</c>).</summary>
    public string? Base64 { get; set; }

    /// <summary>The PFX password; empty when it has none.</summary>
    public string? Password { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(Path) || !string.IsNullOrWhiteSpace(Base64);

    public X509Certificate2 Load() => !string.IsNullOrWhiteSpace(Base64)
        ? X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(Base64), Password)
        : X509CertificateLoader.LoadPkcs12FromFile(Path!, Password);
}

/// <summary>Every certificate must load and carry its private key, or start-up says which setting is wrong.</summary>
internal sealed class KeyRingOptionsValidator : IValidateOptions<KeyRingOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyRingOptions options)
    {
        var failures = new List<string>();
        Check(options.Certificate, "DataProtection:Certificate", failures);
        for (var i = 0; i < options.PreviousCertificates.Count; i++) Check(options.PreviousCertificates[i], $"DataProtection:PreviousCertificates:{i}", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(CertificateSource source, string key, List<string> failures)
    {
        if (!source.IsSet) return;
        if (!string.IsNullOrWhiteSpace(source.Path) && !string.IsNullOrWhiteSpace(source.Base64))
        {
            failures.Add($"{key}: set Path or Base64, not both.");
            return;
        }
        try
        {
            using var certificate = source.Load();
            if (!certificate.HasPrivateKey) failures.Add($"{key}: the certificate has no private key, so keys it encrypts could never be read again.");
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or FormatException)
        {
            failures.Add($"{key}: the certificate cannot be loaded ({ex.Message.TrimEnd('.')}); check the file or base64 text and the password.");
        }
    }
}

public static class KeyRingServiceCollectionExtensions
{
    /// <summary>
    /// Data Protection with the ring in the database or <see cref="KeyRingOptions.KeysDirectory"/>, encrypted with
    /// <see cref="KeyRingOptions.Certificate"/> when one is configured. A certificate that does not load is left out
    /// here and reported by the options' validation, so start-up names the setting instead of throwing.
    /// </summary>
    public static IServiceCollection AddKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyRingOptions>().BindConfiguration(KeyRingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyRingOptions>, KeyRingOptionsValidator>();
        // Read now as well as bound: the framework takes certificates when it is configured, not from options.
        var ring = configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var dataProtection = services.AddDataProtection().SetApplicationName("TokensForge");
        if (string.IsNullOrWhiteSpace(ring.KeysDirectory))
            services.AddOptions<KeyManagementOptions>()
                .Configure<IDbContextFactory<AppDbContext>>((o, contexts) => o.XmlRepository = new DatabaseXmlRepository(contexts));
        else
            dataProtection.PersistKeysToFileSystem(Directory.CreateDirectory(ring.KeysDirectory));
        if (TryLoad(ring.Certificate) is { } current) dataProtection.ProtectKeysWithCertificate(current);
        // Previous certificates only decrypt: the keys made before a rotation stay readable until they are retired.
        var previous = ring.PreviousCertificates.Select(TryLoad).OfType<X509Certificate2>().ToArray();
        if (previous.Length > 0) dataProtection.UnprotectKeysWithAnyCertificate(previous);
        return services;
    }

    private static X509Certificate2? TryLoad(CertificateSource source)
    {
        if (!source.IsSet) return null;
        try
        {
            return source.Load();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
