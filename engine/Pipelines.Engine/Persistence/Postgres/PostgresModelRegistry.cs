using Npgsql;
using Pipelines.Persistence.Rows;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The model registry in PostgreSQL (migration 5). Writes that read before they write hold an advisory lock for the
/// transaction: registering, the model's (so a version number is never handed out twice); moving or rolling back an
/// alias, the alias's (so concurrent moves serialise, each recording as its <c>from</c> the target the one before left).
/// </summary>
public sealed class PostgresModelRegistry(NpgsqlDataSource dataSource, TimeProvider? time = null) : IModelRegistry
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ModelVersion> RegisterAsync(string model, ModelVersionDraft draft, CancellationToken ct)
    {
        RegistryRules.CheckDraft(model, draft);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.LockAsync(PostgresLock.ModelVersions, model, ct);
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
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await QueryModelsAsync(connection, null, ct);
    }

    public async Task<RegisteredModel?> GetModelAsync(string model, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await QueryModelsAsync(connection, model, ct)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {RegistryRows.VersionColumns} FROM model_versions WHERE model = $1 ORDER BY version",
            RegistryRows.ReadVersion, ct, model);
    }

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync($"SELECT {RegistryRows.VersionColumns} FROM model_versions WHERE model = $1 AND version = $2",
            RegistryRows.ReadVersion, ct, model, version)).SingleOrDefault();
    }

    public async Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync($"""
            SELECT {RegistryRows.AliasedVersionColumns}
            FROM model_aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
            WHERE a.model = $1 AND a.alias = $2
            """, RegistryRows.ReadVersion, ct, model, alias)).SingleOrDefault();
    }

    public async Task<ModelVersion> SetTagAsync(string model, int version, string key, string value, CancellationToken ct)
    {
        RegistryRules.CheckTagKey(key);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One statement: the change is made on the row as it is when the update reaches it, so concurrent tag changes all land.
        var updated = await connection.QueryAsync($"""
            UPDATE model_versions
            SET tags = CASE WHEN $4::text = '' THEN (tags::jsonb - $3::text)::text ELSE (tags::jsonb || jsonb_build_object($3::text, $4::text))::text END
            WHERE model = $1 AND version = $2
            RETURNING {RegistryRows.VersionColumns}
            """, RegistryRows.ReadVersion, ct, model, version, key, value);
        return updated.Count > 0 ? updated[0] : throw await NoSuchVersionAsync(connection, model, version, ct);
    }

    public async Task<AliasMove> MoveAliasAsync(string model, string alias, int version, string actor, string? reason, CancellationToken ct)
    {
        RegistryNames.Check(alias, "alias");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await connection.ScalarAsync("SELECT 1 FROM model_versions WHERE model = $1 AND version = $2", ct, model, version) is null)
            throw await NoSuchVersionAsync(connection, model, version, ct);
        await connection.LockAsync(PostgresLock.ModelAliases, $"{model}@{alias}", ct);
        var move = await MoveAsync(connection, model, alias, version, actor, reason, rollback: false, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<AliasMove> RollbackAsync(string model, string alias, string actor, string? reason, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.LockAsync(PostgresLock.ModelAliases, $"{model}@{alias}", ct);
        var last = await connection.QueryAsync($"""
            SELECT {RegistryRows.MoveColumns} FROM model_alias_moves WHERE model = $1 AND alias = $2 ORDER BY id DESC LIMIT 1
            """, RegistryRows.ReadMove, ct, model, alias);
        var previous = RegistryRules.RollbackTarget(model, alias, last.SingleOrDefault());
        var move = await MoveAsync(connection, model, alias, previous, actor, reason, rollback: true, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<IReadOnlyList<AliasMove>> HistoryAsync(string model, string? alias, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"""
            SELECT {RegistryRows.MoveColumns} FROM model_alias_moves
            WHERE model = $1 AND ($2::text IS NULL OR alias = $2::text)
            ORDER BY id
            """, RegistryRows.ReadMove, ct, model, alias);
    }

    /// <summary>Inside the caller's transaction, holding the alias's lock: reads its target, points it at <paramref name="version"/> and appends the move.</summary>
    private async Task<AliasMove> MoveAsync(NpgsqlConnection connection, string model, string alias, int version, string actor, string? reason, bool rollback,
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
            """, RegistryRows.ReadMove, ct, model, alias, from, version, actor, reason, rollback, now);
        return moves[0];
    }

    private static async Task<RegistryException> NoSuchVersionAsync(NpgsqlConnection connection, string model, int version, CancellationToken ct)
    {
        var latest = await connection.ScalarAsync("SELECT MAX(version) FROM model_versions WHERE model = $1", ct, model);
        return RegistryRules.NoSuchVersion(model, version, latest is null ? null : Convert.ToInt32(latest));
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static Task<List<RegisteredModel>> QueryModelsAsync(NpgsqlConnection connection, string? model, CancellationToken ct) =>
        connection.QueryAsync("""
            SELECT v.model, MAX(v.version), MIN(v.registered_at),
                   COALESCE((SELECT json_object_agg(a.alias, a.version) FROM model_aliases a WHERE a.model = v.model), '{}')::text
            FROM model_versions v
            WHERE $1::text IS NULL OR v.model = $1::text
            GROUP BY v.model
            ORDER BY v.model COLLATE "C"
            """, RegistryRows.ReadModel, ct, model);
}
