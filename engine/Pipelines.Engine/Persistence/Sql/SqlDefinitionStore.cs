using System.Data.Common;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sql;

/// <summary>
/// Published pipeline definitions (table <c>definition_versions</c>) on SQLite or PostgreSQL. A publish reads and writes
/// holding the name's lock (<see cref="StoreLock.DefinitionVersions"/>), so two processes publishing at once cannot both
/// pick the same number or both miss each other's identical content; UNIQUE (name, version) backs this up.
/// </summary>
public sealed class SqlDefinitionStore(StoreDialect database, TimeProvider? time = null) : IDefinitionStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<PublishResult> PublishAsync(string name, string yaml, CancellationToken ct)
    {
        var text = DefinitionContent.Checked(name, yaml);
        var hash = DefinitionContent.Hash(text);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        await database.LockAsync(connection, StoreLock.DefinitionVersions, name, ct);

        var existing = await connection.QueryAsync($"""
            SELECT {DefinitionRow.Columns} FROM definition_versions
            WHERE name = $1 AND hash = $2 AND retracted_at IS NULL
            ORDER BY version DESC LIMIT 1
            """, DefinitionRow.Read, ct, name, hash);
        if (existing.Count > 0)
        {
            await transaction.CommitAsync(ct);
            return new PublishResult(existing[0], Created: false);
        }

        var publishedAt = DefinitionRow.Milliseconds(_time.GetUtcNow());
        var version = Convert.ToInt32(await connection.ScalarAsync("""
            INSERT INTO definition_versions (name, version, hash, yaml, published_at)
            SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4
            FROM definition_versions WHERE name = $1
            RETURNING version
            """, ct, name, hash, text, publishedAt.ToUnixTimeMilliseconds()));
        await transaction.CommitAsync(ct);
        return new PublishResult(new DefinitionVersion(name, version, hash, text, publishedAt, RetractedAt: null), Created: true);
    }

    public async Task<DefinitionVersion?> GetAsync(string name, int? version, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = version is { } number
            ? await QueryAsync(connection, "name = $1 AND version = $2", ct, name, number)
            : await QueryAsync(connection, "name = $1 AND retracted_at IS NULL ORDER BY version DESC LIMIT 1", ct, name);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<DefinitionVersion>> ListVersionsAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await QueryAsync(connection, "name = $1 ORDER BY version", ct, name);
    }

    public async Task<IReadOnlyList<DefinitionSummary>> ListNamesAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync("""
            SELECT name,
                   MAX(CASE WHEN retracted_at IS NULL THEN version END),
                   COUNT(*),
                   MAX(published_at)
            FROM definition_versions
            GROUP BY name
            ORDER BY name
            """, DefinitionRow.ReadSummary, ct);
    }

    public async Task<DefinitionVersion?> RetractAsync(string name, int version, CancellationToken ct)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(ct);
        var updated = await connection.QueryAsync($"""
            UPDATE definition_versions SET retracted_at = COALESCE(retracted_at, $3)
            WHERE name = $1 AND version = $2
            RETURNING {DefinitionRow.Columns}
            """, DefinitionRow.Read, ct, name, version, now);
        return updated.Count > 0 ? updated[0] : null;
    }

    private static Task<List<DefinitionVersion>> QueryAsync(DbConnection connection, string whereAndOrder, CancellationToken ct, params object?[] values) =>
        connection.QueryAsync($"SELECT {DefinitionRow.Columns} FROM definition_versions WHERE {whereAndOrder}", DefinitionRow.Read, ct, values);
}
