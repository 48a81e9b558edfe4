using Microsoft.AspNetCore.Identity;
using TokensForge.Core.Common;

namespace TokensForge.Core.Users;

/// <summary>
/// Accepts only addresses that could receive mail: one <c>@</c>, a local part of at most 64 characters, a domain of
/// dot-separated labels (letters, digits, hyphens) ending in a top-level label of two letters or more, at most 254
/// characters in all. Runs on every account creation and email change (registration, the CLI, seeding), so an
/// over-long or implausible address is a readable refusal and never reaches the database.
/// </summary>
public sealed class PlausibleEmailValidator : IUserValidator<ApplicationUser>
{
    /// <summary>The longest address a mail server accepts (RFC 5321: a 256-octet path less its angle brackets).</summary>
    public const int MaxLength = 254;

    public static readonly IdentityError TooLong = new()
    {
        Code = "EmailTooLong",
        Description = $"An email address has at most {MaxLength} characters.",
    };

    public static IdentityError Implausible(string email) => new()
    {
        Code = "EmailImplausible",
        Description = $"'{Shorten(email)}' does not look like an email address (name@example.com).",
    };

    public Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user)
    {
        var email = user.Email ?? "";
        if (email.Length > MaxLength || (user.UserName?.Length ?? 0) > MaxLength) return Task.FromResult(IdentityResult.Failed(TooLong));
        return Task.FromResult(IsPlausible(email) ? IdentityResult.Success : IdentityResult.Failed(Implausible(email)));
    }

    /// <summary>Whether <paramref name="email"/> is shaped like a deliverable address (see the type's summary).</summary>
    public static bool IsPlausible(string email)
    {
        if (email.Length is 0 or > MaxLength || !TextRules.IsStorable(email)) return false;
        var at = email.LastIndexOf('@');
        if (at <= 0 || at > 64 || email.IndexOf('@') != at) return false;
        var local = email.AsSpan(0, at);
        foreach (var c in local)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '(' or ')' or ',' or ':' or ';' or '<' or '>' or '[' or ']' or '\\') return false;
        }
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal)) return false;

        var labels = email[(at + 1)..].Split('.');
        if (labels.Length < 2) return false;
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsLetterOrDigit(c) || c == '-')) return false;
        }
        var top = labels[^1];
        return top.Length >= 2 && (top.All(char.IsLetter) || top.StartsWith("xn--", StringComparison.OrdinalIgnoreCase));
    }

    private static string Shorten(string email) => email.Length <= 60 ? email : email[..57] + "...";
}
