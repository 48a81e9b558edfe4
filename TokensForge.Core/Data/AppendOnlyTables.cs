using Microsoft.EntityFrameworkCore.Migrations;

namespace TokensForge.Core.Data;

/// <summary>
/// Database triggers that refuse UPDATE and DELETE on append-only tables, so "transfers are never changed"
/// holds even against a buggy caller or a hand-typed SQL statement.
/// </summary>
internal static class AppendOnlyTables
{
    /// <summary>Every table whose rows are facts: written once, never changed.</summary>
    public static readonly string[] Tables = ["transfers", "audit_events", "redemptions", "payment_events", "price_snapshots", "request_records", "request_charges", "request_attempts"];

    public static void ProtectAllSqlite(MigrationBuilder migrations)
    {
        foreach (var table in Tables) ProtectSqlite(migrations, table);
    }

    public static void ProtectAllPostgres(MigrationBuilder migrations)
    {
        foreach (var table in Tables) ProtectPostgres(migrations, table);
    }

    public static void ProtectSqlite(MigrationBuilder migrations, string table)
    {
        migrations.Sql($"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
            """);
        migrations.Sql($"""
            CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
            """);
    }

    public static void UnprotectSqlite(MigrationBuilder migrations, string table)
    {
        migrations.Sql($"DROP TRIGGER IF EXISTS {table}_no_update;");
        migrations.Sql($"DROP TRIGGER IF EXISTS {table}_no_delete;");
    }

    public static void ProtectPostgres(MigrationBuilder migrations, string table)
    {
        migrations.Sql("""
            CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
            """);
        migrations.Sql($"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();
            """);
    }

    public static void UnprotectPostgres(MigrationBuilder migrations, string table) =>
        migrations.Sql($"DROP TRIGGER IF EXISTS {table}_append_only ON {table};");
}
