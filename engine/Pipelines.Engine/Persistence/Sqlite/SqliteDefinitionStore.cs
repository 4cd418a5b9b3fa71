using Microsoft.Data.Sqlite;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sqlite;

/// <summary>Published pipeline definitions in the embedded store (table <c>definition_versions</c> of migration 1).</summary>
public sealed class SqliteDefinitionStore(SqliteDatabase database, TimeProvider? time = null) : IDefinitionStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<PublishResult> PublishAsync(string name, string yaml, CancellationToken ct)
    {
        DefinitionContent.CheckName(name);
        var text = DefinitionContent.NormaliseLineEndings(yaml);
        var hash = DefinitionContent.Hash(text);
        await using var connection = await database.OpenConnectionAsync(ct);
        // IMMEDIATE takes the write lock before we read, so two processes publishing at once cannot both pick
        // the same number or both miss each other's identical content. UNIQUE (name, version) backs this up.
        await using var transaction = connection.BeginTransaction(deferred: false);

        var existing = await QueryAsync(connection, $"""
            SELECT {DefinitionRow.Columns} FROM definition_versions
            WHERE name = $name AND hash = $hash AND retracted_at IS NULL
            ORDER BY version DESC LIMIT 1
            """, ct, ("$name", name), ("$hash", hash));
        if (existing.Count > 0)
        {
            await transaction.CommitAsync(ct);
            return new PublishResult(existing[0], Created: false);
        }

        var publishedAt = DefinitionRow.Milliseconds(_time.GetUtcNow());
        var version = Convert.ToInt32(await connection.ScalarAsync("""
            INSERT INTO definition_versions (name, version, hash, yaml, published_at)
            SELECT $name, COALESCE(MAX(version), 0) + 1, $hash, $yaml, $publishedAt
            FROM definition_versions WHERE name = $name
            RETURNING version
            """, ct, ("$name", name), ("$hash", hash), ("$yaml", text), ("$publishedAt", publishedAt.ToUnixTimeMilliseconds())));
        await transaction.CommitAsync(ct);
        return new PublishResult(new DefinitionVersion(name, version, hash, text, publishedAt, RetractedAt: null), Created: true);
    }

    public async Task<DefinitionVersion?> GetAsync(string name, int? version, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = version is { } number
            ? await QueryAsync(connection, $"SELECT {DefinitionRow.Columns} FROM definition_versions WHERE name = $name AND version = $version",
                ct, ("$name", name), ("$version", number))
            : await QueryAsync(connection, $"""
                SELECT {DefinitionRow.Columns} FROM definition_versions
                WHERE name = $name AND retracted_at IS NULL
                ORDER BY version DESC LIMIT 1
                """, ct, ("$name", name));
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<DefinitionVersion>> ListVersionsAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await QueryAsync(connection, $"SELECT {DefinitionRow.Columns} FROM definition_versions WHERE name = $name ORDER BY version",
            ct, ("$name", name));
    }

    public async Task<IReadOnlyList<DefinitionSummary>> ListNamesAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command("""
            SELECT name,
                   MAX(CASE WHEN retracted_at IS NULL THEN version END),
                   COUNT(*),
                   MAX(published_at)
            FROM definition_versions
            GROUP BY name
            ORDER BY name
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var summaries = new List<DefinitionSummary>();
        while (await reader.ReadAsync(ct)) summaries.Add(DefinitionRow.ReadSummary(reader));
        return summaries;
    }

    public async Task<DefinitionVersion?> RetractAsync(string name, int version, CancellationToken ct)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(ct);
        var updated = await QueryAsync(connection, $"""
            UPDATE definition_versions SET retracted_at = COALESCE(retracted_at, $now)
            WHERE name = $name AND version = $version
            RETURNING {DefinitionRow.Columns}
            """, ct, ("$name", name), ("$version", version), ("$now", now));
        return updated.Count > 0 ? updated[0] : null;
    }

    private static async Task<List<DefinitionVersion>> QueryAsync(
        SqliteConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new List<DefinitionVersion>();
        while (await reader.ReadAsync(ct)) versions.Add(DefinitionRow.Read(reader));
        return versions;
    }
}
