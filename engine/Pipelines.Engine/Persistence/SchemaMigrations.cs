namespace Pipelines.Persistence;

/// <summary>
/// The schema, as the ordered list of migrations that builds it. Append new migrations at the end with the
/// next version number; never edit or reorder shipped ones, because existing databases have already run them.
/// </summary>
/// <remarks>
/// Times are INTEGER unix milliseconds (UTC): they sort and compare as numbers, need no parsing, and cannot
/// carry a stray offset or a local time.
/// </remarks>
public static class SchemaMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "definition versions", """
            CREATE TABLE definition_versions (
                id           INTEGER PRIMARY KEY,
                name         TEXT    NOT NULL,
                version      INTEGER NOT NULL CHECK (version >= 1),
                hash         TEXT    NOT NULL,
                yaml         TEXT    NOT NULL,
                published_at INTEGER NOT NULL,
                retracted_at INTEGER,
                UNIQUE (name, version)
            ) STRICT;
            CREATE INDEX definition_versions_by_hash ON definition_versions (name, hash);
            """),
    ];
}
