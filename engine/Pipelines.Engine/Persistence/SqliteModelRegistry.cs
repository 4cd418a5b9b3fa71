using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Persistence;

/// <summary>
/// The model registry in the embedded store (tables of migrations 8 and 9). Writes take SQLite's write lock before they
/// read (<c>BEGIN IMMEDIATE</c>), so a version number is never handed out twice and concurrent moves of one alias
/// serialise: each reads the target the previous one left and records it as its <c>from</c>.
/// </summary>
public sealed class SqliteModelRegistry(SqliteDatabase database, TimeProvider? time = null) : IModelRegistry
{
    private const string VersionColumns = "model, version, source, base_model, dataset, adapter, run_id, step_id, metrics, review, variant, tags, registered_at, variants";
    private static readonly string AliasedVersionColumns = string.Join(", ", VersionColumns.Split(", ").Select(c => "v." + c));
    private const string MoveColumns = "model, alias, from_version, to_version, actor, reason, moved_at, rollback";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ModelVersion> RegisterAsync(string model, ModelVersionDraft draft, CancellationToken ct)
    {
        RegistryNames.Check(model, "model");
        if (string.IsNullOrWhiteSpace(draft.Source))
            throw new RegistryException("a model version needs a source", "give the model's files: an artifact reference (artifact://sha256/...) or a folder");
        var tags = draft.Tags ?? new Dictionary<string, string>();
        foreach (var key in tags.Keys) CheckTagKey(key);
        var variants = draft.Variants ?? new Dictionary<string, string>();
        foreach (var (name, source) in variants)
        {
            RegistryNames.Check(name, "variant");
            if (string.IsNullOrWhiteSpace(source))
                throw new RegistryException($"variant '{name}' has no source", "give each variant's files: an artifact reference or a folder");
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var registered = await QueryVersionsAsync(connection, $"""
            INSERT INTO model_versions ({VersionColumns})
            SELECT $model, COALESCE(MAX(version), 0) + 1, $source, $base, $dataset, $adapter, $run, $step, $metrics, $review, $variant, $tags, $now, $variants
            FROM model_versions WHERE model = $model
            RETURNING {VersionColumns}
            """, ct, ("$model", model), ("$source", draft.Source), ("$base", draft.BaseModel), ("$dataset", draft.Dataset),
            ("$adapter", draft.Adapter), ("$run", draft.RunId), ("$step", draft.StepId), ("$metrics", draft.Metrics?.ToJsonString()),
            ("$review", draft.Review), ("$variant", draft.Variant), ("$tags", JsonSerializer.Serialize(tags)), ("$now", Now()),
            ("$variants", JsonSerializer.Serialize(variants)));
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
        return await QueryVersionsAsync(connection, $"SELECT {VersionColumns} FROM model_versions WHERE model = $model ORDER BY version", ct, ("$model", model));
    }

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await QueryVersionsAsync(connection, $"SELECT {VersionColumns} FROM model_versions WHERE model = $model AND version = $version",
            ct, ("$model", model), ("$version", version));
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = await QueryVersionsAsync(connection, $"""
            SELECT {AliasedVersionColumns}
            FROM model_aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
            WHERE a.model = $model AND a.alias = $alias
            """, ct, ("$model", model), ("$alias", alias));
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<ModelVersion> SetTagAsync(string model, int version, string key, string value, CancellationToken ct)
    {
        CheckTagKey(key);
        await using var connection = await database.OpenConnectionAsync(ct);
        var updated = await QueryVersionsAsync(connection, $"""
            UPDATE model_versions
            SET tags = CASE WHEN $value = '' THEN json_remove(tags, '$."' || $key || '"') ELSE json_set(tags, '$."' || $key || '"', $value) END
            WHERE model = $model AND version = $version
            RETURNING {VersionColumns}
            """, ct, ("$model", model), ("$version", version), ("$key", key), ("$value", value));
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
        var last = await QueryMovesAsync(connection, $"""
            SELECT {MoveColumns} FROM model_alias_moves WHERE model = $model AND alias = $alias ORDER BY id DESC LIMIT 1
            """, ct, ("$model", model), ("$alias", alias));
        if (last.Count == 0)
            throw new RegistryException($"{model}@{alias} does not exist, so there is nothing to roll back",
                $"`registry history {model}` lists the aliases that have moved");
        if (last[0].From is not { } previous)
            throw new RegistryException($"{model}@{alias} has had one target only (version {last[0].To}), so there is nothing to roll back to",
                $"move it with `registry alias {model} {alias} VERSION` instead");
        var move = await MoveAsync(connection, model, alias, previous, actor, reason, rollback: true, ct);
        await transaction.CommitAsync(ct);
        return move;
    }

    public async Task<IReadOnlyList<AliasMove>> HistoryAsync(string model, string? alias, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await QueryMovesAsync(connection, $"""
            SELECT {MoveColumns} FROM model_alias_moves
            WHERE model = $model AND ($alias IS NULL OR alias = $alias)
            ORDER BY id
            """, ct, ("$model", model), ("$alias", alias));
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
        var moves = await QueryMovesAsync(connection, $"""
            INSERT INTO model_alias_moves (model, alias, from_version, to_version, actor, reason, rollback, moved_at)
            VALUES ($model, $alias, $from, $version, $actor, $reason, $rollback, $now)
            RETURNING {MoveColumns}
            """, ct, ("$model", model), ("$alias", alias), ("$from", from), ("$version", version), ("$actor", actor), ("$reason", reason),
            ("$rollback", rollback ? 1 : 0), ("$now", now));
        return moves[0];
    }

    private static async Task<RegistryException> NoSuchVersionAsync(SqliteConnection connection, string model, int version, CancellationToken ct)
    {
        var latest = await connection.ScalarAsync("SELECT MAX(version) FROM model_versions WHERE model = $model", ct, ("$model", model));
        return latest is null
            ? new RegistryException($"no model named '{model}' is registered", "`registry list` shows the registered models")
            : new RegistryException($"{model} has no version {version}", $"its versions are 1 to {latest}; `registry versions {model}` lists them");
    }

    private static void CheckTagKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 63 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new RegistryException($"'{key}' is not a valid tag key", "use 1 to 63 letters, digits, '-', '_' and '.'");
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static async Task<List<RegisteredModel>> QueryModelsAsync(SqliteConnection connection, string? model, CancellationToken ct)
    {
        await using var command = connection.Command("""
            SELECT v.model, MAX(v.version), MIN(v.registered_at),
                   (SELECT json_group_object(a.alias, a.version) FROM model_aliases a WHERE a.model = v.model)
            FROM model_versions v
            WHERE $model IS NULL OR v.model = $model
            GROUP BY v.model
            ORDER BY v.model
            """, ("$model", model));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var models = new List<RegisteredModel>();
        while (await reader.ReadAsync(ct))
        {
            var aliases = JsonNode.Parse(reader.GetString(3))!.AsObject().ToDictionary(p => p.Key, p => (int)p.Value!, StringComparer.Ordinal);
            models.Add(new RegisteredModel(reader.GetString(0), reader.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                new SortedDictionary<string, int>(aliases, StringComparer.Ordinal)));
        }
        return models;
    }

    private static Task<List<ModelVersion>> QueryVersionsAsync(SqliteConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        QueryAsync(connection, sql, parameters, reader =>
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            return new ModelVersion(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), Text(3), Text(4), Text(5), Text(6), Text(7),
                Text(8) is { } metrics ? JsonNode.Parse(metrics)!.AsObject() : null, Text(9), Text(10),
                new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(11))!, StringComparer.Ordinal),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)),
                new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(13))!, StringComparer.Ordinal));
        }, ct);

    private static Task<List<AliasMove>> QueryMovesAsync(SqliteConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        QueryAsync(connection, sql, parameters, reader => new AliasMove(
            reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetInt32(3),
            reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
            reader.GetInt64(7) != 0), ct);

    private static async Task<List<T>> QueryAsync<T>(SqliteConnection connection, string sql, (string Name, object? Value)[] parameters, Func<SqliteDataReader, T> read, CancellationToken ct)
    {
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(read(reader));
        return rows;
    }
}
