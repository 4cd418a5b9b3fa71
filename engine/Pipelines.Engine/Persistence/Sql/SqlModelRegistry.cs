using System.Data.Common;
using System.Text.Json;
using Pipelines.Persistence.Rows;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sql;

/// <summary>
/// The model registry (tables <c>model_versions</c>, <c>model_aliases</c>, <c>model_alias_moves</c>) on SQLite or
/// PostgreSQL. Writes that read first hold a lock for their transaction: registering and tagging, the model's (so a
/// version number is never handed out twice and no tag change is lost); moving or rolling back an alias, the alias's
/// (so concurrent moves serialise, each recording as its <c>from</c> the target the one before it left).
/// </summary>
public sealed class SqlModelRegistry(StoreDialect database, TimeProvider? time = null) : IModelRegistry
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ModelVersion> RegisterAsync(string model, ModelVersionDraft draft, CancellationToken ct)
    {
        RegistryRules.CheckDraft(model, draft);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        await database.LockAsync(connection, StoreLock.ModelVersions, model, ct);
        var registered = await connection.QueryAsync($"""
            INSERT INTO model_versions ({RegistryRows.VersionColumns})
            SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
            FROM model_versions WHERE model = $1
            RETURNING {RegistryRows.VersionColumns}
            """, RegistryRows.ReadVersion, ct, RegistryRows.VersionValues(model, draft, Now()));
        await transaction.CommitAsync(ct);
        return registered[0];
    }

    public async Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginReadAsync(connection, ct);
        return await QueryModelsAsync(connection, "1 = 1", ct);
    }

    public async Task<RegisteredModel?> GetModelAsync(string model, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginReadAsync(connection, ct);
        return (await QueryModelsAsync(connection, "model = $1", ct, model)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await QueryVersionsAsync(connection, "model = $1 ORDER BY version", ct, model);
    }

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return (await QueryVersionsAsync(connection, "model = $1 AND version = $2", ct, model, version)).SingleOrDefault();
    }

    public async Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return (await connection.QueryAsync($"""
            SELECT {RegistryRows.AliasedVersionColumns}
            FROM model_aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
            WHERE a.model = $1 AND a.alias = $2
            """, RegistryRows.ReadVersion, ct, model, alias)).SingleOrDefault();
    }

    public async Task<ModelVersion> SetTagAsync(string model, int version, string key, string value, CancellationToken ct)
    {
        RegistryRules.CheckTagKey(key);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        await database.LockAsync(connection, StoreLock.ModelVersions, model, ct);
        if ((await QueryVersionsAsync(connection, "model = $1 AND version = $2", ct, model, version)).SingleOrDefault() is not { } current)
            throw await NoSuchVersionAsync(connection, model, version, ct);

        var tags = new Dictionary<string, string>(current.Tags, StringComparer.Ordinal);
        if (value.Length == 0) tags.Remove(key);
        else tags[key] = value;
        var updated = await connection.QueryAsync($"""
            UPDATE model_versions SET tags = $3 WHERE model = $1 AND version = $2 RETURNING {RegistryRows.VersionColumns}
            """, RegistryRows.ReadVersion, ct, model, version, JsonSerializer.Serialize(tags));
        await transaction.CommitAsync(ct);
        return updated[0];
    }

    public async Task<AliasMove> MoveAliasAsync(string model, string alias, int version, string actor, string? reason, CancellationToken ct)
    {
        RegistryNames.Check(alias, "alias");
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        if (await connection.ScalarAsync("SELECT 1 FROM model_versions WHERE model = $1 AND version = $2", ct, model, version) is null)
            throw await NoSuchVersionAsync(connection, model, version, ct);
        await database.LockAsync(connection, StoreLock.ModelAliases, $"{model}@{alias}", ct);
        var move = await MoveAsync(connection, model, alias, version, actor, reason, rollback: false, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<AliasMove> RollbackAsync(string model, string alias, string actor, string? reason, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        await database.LockAsync(connection, StoreLock.ModelAliases, $"{model}@{alias}", ct);
        var last = await QueryMovesAsync(connection, "model = $1 AND alias = $2 ORDER BY id DESC LIMIT 1", ct, model, alias);
        var previous = RegistryRules.RollbackTarget(model, alias, last.SingleOrDefault());
        var move = await MoveAsync(connection, model, alias, previous, actor, reason, rollback: true, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<IReadOnlyList<AliasMove>> HistoryAsync(string model, string? alias, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return alias is null
            ? await QueryMovesAsync(connection, "model = $1 ORDER BY id", ct, model)
            : await QueryMovesAsync(connection, "model = $1 AND alias = $2 ORDER BY id", ct, model, alias);
    }

    /// <summary>Inside the caller's transaction, holding the alias's lock: reads its target, points it at <paramref name="version"/> and appends the move.</summary>
    private async Task<AliasMove> MoveAsync(DbConnection connection, string model, string alias, int version, string actor, string? reason, bool rollback,
        CancellationToken ct)
    {
        var from = await connection.ScalarAsync("SELECT version FROM model_aliases WHERE model = $1 AND alias = $2", ct, model, alias);
        var now = Now();
        await connection.ExecuteAsync("""
            INSERT INTO model_aliases (model, alias, version, moved_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at
            """, ct, model, alias, version, now);
        var moves = await connection.QueryAsync($"""
            INSERT INTO model_alias_moves (model, alias, from_version, to_version, actor, reason, rollback, moved_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            RETURNING {RegistryRows.MoveColumns}
            """, RegistryRows.ReadMove, ct, model, alias, from is null ? null : Convert.ToInt32(from), version, actor, reason, rollback, now);
        return moves[0];
    }

    private static async Task<RegistryException> NoSuchVersionAsync(DbConnection connection, string model, int version, CancellationToken ct)
    {
        var latest = await connection.ScalarAsync("SELECT MAX(version) FROM model_versions WHERE model = $1", ct, model);
        return RegistryRules.NoSuchVersion(model, version, latest is null ? null : Convert.ToInt32(latest));
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static Task<List<ModelVersion>> QueryVersionsAsync(DbConnection connection, string whereAndOrder, CancellationToken ct, params object?[] values) =>
        connection.QueryAsync($"SELECT {RegistryRows.VersionColumns} FROM model_versions WHERE {whereAndOrder}", RegistryRows.ReadVersion, ct, values);

    private static Task<List<AliasMove>> QueryMovesAsync(DbConnection connection, string whereAndOrder, CancellationToken ct, params object?[] values) =>
        connection.QueryAsync($"SELECT {RegistryRows.MoveColumns} FROM model_alias_moves WHERE {whereAndOrder}", RegistryRows.ReadMove, ct, values);

    /// <summary>The models among the versions matching <paramref name="where"/>, by name, each with its aliases (inside a read transaction, so both come from one moment).</summary>
    private static async Task<List<RegisteredModel>> QueryModelsAsync(DbConnection connection, string where, CancellationToken ct, params object?[] values)
    {
        var aliases = (await connection.QueryAsync($"SELECT model, alias, version FROM model_aliases WHERE {where}",
                reader => (Model: reader.GetString(0), Alias: reader.GetString(1), Version: reader.GetInt32(2)), ct, values))
            .ToLookup(a => a.Model, StringComparer.Ordinal);
        return await connection.QueryAsync($"""
            SELECT model, MAX(version), MIN(registered_at) FROM model_versions WHERE {where} GROUP BY model ORDER BY model
            """, reader => RegistryRows.ReadModel(reader, aliases[reader.GetString(0)].ToDictionary(a => a.Alias, a => a.Version, StringComparer.Ordinal)),
            ct, values);
    }
}
