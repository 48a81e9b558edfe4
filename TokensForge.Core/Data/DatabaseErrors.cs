using Microsoft.EntityFrameworkCore;
using Npgsql;
using TokensForge.Core.Common;

namespace TokensForge.Core.Data;

/// <summary>
/// What a refusal by the database means, as one readable error. Input is validated before it is stored, so these are a
/// backstop: a surface that still meets one (the CLI, the error page) says so in a sentence, not a driver dump.
/// </summary>
public static class DatabaseErrors
{
    public static readonly Error ValueTooLong = new("value_too_long", "A value is longer than the database allows for it; nothing was saved.");
    public static readonly Error Conflict = new("conflict", "The change conflicts with data saved at the same time; nothing was saved. Try again.");
    public static readonly Error InvalidText = new("invalid_text", "A value contains characters the database cannot store; nothing was saved.");
    public static readonly Error Unavailable = new("database_unavailable", "The database could not be reached or refused the change; nothing was saved.");

    /// <summary>The readable error for a database failure, or null when <paramref name="ex"/> is not one.</summary>
    public static Error? Describe(Exception ex) => ex switch
    {
        DbUpdateException { InnerException: { } inner } => Describe(inner) ?? Unavailable,
        PostgresException pg => pg.SqlState switch
        {
            PostgresErrorCodes.StringDataRightTruncation => ValueTooLong,
            PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => Conflict,
            PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter => InvalidText,
            _ => Unavailable,
        },
        NpgsqlException or Microsoft.Data.Sqlite.SqliteException => Unavailable,
        _ => null,
    };
}
