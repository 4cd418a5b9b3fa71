using Microsoft.Data.Sqlite;
using Pipelines.Persistence.Rows;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sqlite;

/// <summary>
/// The model registry in the embedded store (tables of migrations 8 and 9). Writes take SQLite's write lock before they
/// read (<c>BEGIN IMMEDIATE</c>), so a version number is never handed out twice and concurrent moves of one alias
/// serialise: each reads the target the previous one left and records it as its <c>from</c>.
/// </summary>
public sealed class SqliteModelRegistry(SqliteDatabase database, TimeProvider? time = null) : IModelRegistry
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ModelVersion> RegisterAsync(string model, ModelVersionDraft draft, CancellationToken ct)
    {
        RegistryRules.CheckDraft(model, draft);
        var values = RegistryRows.VersionValues(model, draft, Now());
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var registered = await connection.QueryAsync($"""
            INSERT INTO model_versions ({RegistryRows.VersionColumns})
            SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
            FROM model_versions WHERE model = $1
            RETURNING {RegistryRows.VersionColumns}
            """, RegistryRows.ReadVersion, ct, [.. values.Select((v, i) => ($"${i + 1}", v))]);
        await transaction.CommitAsync(ct);
        return registered[0];
    }

    public async Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await QueryModelsAsync(connection, null, ct);
    }

    public async Task<RegisteredModel?> GetModelAsync(string model, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await QueryModelsAsync(connection, model, ct);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {RegistryRows.VersionColumns} FROM model_versions WHERE model = $model ORDER BY version",
            RegistryRows.ReadVersion, ct, ("$model", model));
    }

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync($"SELECT {RegistryRows.VersionColumns} FROM model_versions WHERE model = $model AND version = $version",
            RegistryRows.ReadVersion, ct, ("$model", model), ("$version", version));
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync($"""
            SELECT {RegistryRows.AliasedVersionColumns}
            FROM model_aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
            WHERE a.model = $model AND a.alias = $alias
            """, RegistryRows.ReadVersion, ct, ("$model", model), ("$alias", alias));
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<ModelVersion> SetTagAsync(string model, int version, string key, string value, CancellationToken ct)
    {
        RegistryRules.CheckTagKey(key);
        await using var connection = await database.OpenConnectionAsync(ct);
        var updated = await connection.QueryAsync($"""
            UPDATE model_versions
            SET tags = CASE WHEN $value = '' THEN json_remove(tags, '$."' || $key || '"') ELSE json_set(tags, '$."' || $key || '"', $value) END
            WHERE model = $model AND version = $version
            RETURNING {RegistryRows.VersionColumns}
            """, RegistryRows.ReadVersion, ct, ("$model", model), ("$version", version), ("$key", key), ("$value", value));
        return updated.Count > 0 ? updated[0] : throw await NoSuchVersionAsync(connection, model, version, ct);
    }

    public async Task<AliasMove> MoveAliasAsync(string model, string alias, int version, string actor, string? reason, CancellationToken ct)
    {
        RegistryNames.Check(alias, "alias");
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        if (await connection.ScalarAsync("SELECT 1 FROM model_versions WHERE model = $model AND version = $version", ct, ("$model", model), ("$version", version)) is null)
            throw await NoSuchVersionAsync(connection, model, version, ct);
        var move = await MoveAsync(connection, model, alias, version, actor, reason, rollback: false, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<AliasMove> RollbackAsync(string model, string alias, string actor, string? reason, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var last = await connection.QueryAsync($"""
            SELECT {RegistryRows.MoveColumns} FROM model_alias_moves WHERE model = $model AND alias = $alias ORDER BY id DESC LIMIT 1
            """, RegistryRows.ReadMove, ct, ("$model", model), ("$alias", alias));
        var previous = RegistryRules.RollbackTarget(model, alias, last.SingleOrDefault());
        var move = await MoveAsync(connection, model, alias, previous, actor, reason, rollback: true, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<IReadOnlyList<AliasMove>> HistoryAsync(string model, string? alias, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"""
            SELECT {RegistryRows.MoveColumns} FROM model_alias_moves
            WHERE model = $model AND ($alias IS NULL OR alias = $alias)
            ORDER BY id
            """, RegistryRows.ReadMove, ct, ("$model", model), ("$alias", alias));
    }

    /// <summary>Inside the caller's write transaction: reads the alias's target, points it at <paramref name="version"/> and appends the move.</summary>
    private async Task<AliasMove> MoveAsync(SqliteConnection connection, string model, string alias, int version, string actor, string? reason, bool rollback, CancellationToken ct)
    {
        var from = await connection.ScalarAsync("SELECT version FROM model_aliases WHERE model = $model AND alias = $alias", ct, ("$model", model), ("$alias", alias));
        var now = Now();
        await connection.ExecuteAsync("""
            INSERT INTO model_aliases (model, alias, version, moved_at) VALUES ($model, $alias, $version, $now)
            ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at
            """, ct, ("$model", model), ("$alias", alias), ("$version", version), ("$now", now));
        var moves = await connection.QueryAsync($"""
            INSERT INTO model_alias_moves (model, alias, from_version, to_version, actor, reason, rollback, moved_at)
            VALUES ($model, $alias, $from, $version, $actor, $reason, $rollback, $now)
            RETURNING {RegistryRows.MoveColumns}
            """, RegistryRows.ReadMove, ct, ("$model", model), ("$alias", alias), ("$from", from), ("$version", version), ("$actor", actor), ("$reason", reason),
            ("$rollback", rollback ? 1 : 0), ("$now", now));
        return moves[0];
    }

    private static async Task<RegistryException> NoSuchVersionAsync(SqliteConnection connection, string model, int version, CancellationToken ct)
    {
        var latest = await connection.ScalarAsync("SELECT MAX(version) FROM model_versions WHERE model = $model", ct, ("$model", model));
        return RegistryRules.NoSuchVersion(model, version, latest is null ? null : Convert.ToInt32(latest));
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static Task<List<RegisteredModel>> QueryModelsAsync(SqliteConnection connection, string? model, CancellationToken ct) =>
        connection.QueryAsync("""
            SELECT v.model, MAX(v.version), MIN(v.registered_at),
                   (SELECT json_group_object(a.alias, a.version) FROM model_aliases a WHERE a.model = v.model)
            FROM model_versions v
            WHERE $model IS NULL OR v.model = $model
            GROUP BY v.model
            ORDER BY v.model
            """, RegistryRows.ReadModel, ct, ("$model", model));
}
