using Microsoft.Data.Sqlite;

namespace Pipelines.Persistence;

/// <summary>
/// Published pipeline definitions, versioned per name. Versions are immutable; numbers increase from 1 and are
/// never reused, even when a version is retracted.
/// </summary>
public sealed class DefinitionStore(SqliteDatabase database, TimeProvider? time = null)
{
    private const string Columns = "name, version, hash, yaml, published_at, retracted_at";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Stores <paramref name="yaml"/> as the next version of <paramref name="name"/>, or returns the existing
    /// non-retracted version with the same content.
    /// </summary>
    public async Task<PublishResult> PublishAsync(string name, string yaml, CancellationToken ct)
    {
        if (!DefinitionReference.IsValidName(name))
            throw new ArgumentException($"'{name}' is not a pipeline name; names are 1 to 63 lowercase letters, digits and '-'.", nameof(name));

        var text = DefinitionContent.NormaliseLineEndings(yaml);
        var hash = DefinitionContent.Hash(text);
        await using var connection = await database.OpenConnectionAsync(ct);
        // IMMEDIATE takes the write lock before we read, so two processes publishing at once cannot both pick
        // the same number or both miss each other's identical content. UNIQUE (name, version) backs this up.
        await using var transaction = connection.BeginTransaction(deferred: false);

        var existing = await QueryAsync(connection, $"""
            SELECT {Columns} FROM definition_versions
            WHERE name = $name AND hash = $hash AND retracted_at IS NULL
            ORDER BY version DESC LIMIT 1
            """, ct, ("$name", name), ("$hash", hash));
        if (existing.Count > 0)
        {
            await transaction.CommitAsync(ct);
            return new PublishResult(existing[0], Created: false);
        }

        var publishedAt = TruncateToMilliseconds(_time.GetUtcNow());
        var version = Convert.ToInt32(await connection.ScalarAsync("""
            INSERT INTO definition_versions (name, version, hash, yaml, published_at)
            SELECT $name, COALESCE(MAX(version), 0) + 1, $hash, $yaml, $publishedAt
            FROM definition_versions WHERE name = $name
            RETURNING version
            """, ct, ("$name", name), ("$hash", hash), ("$yaml", text), ("$publishedAt", publishedAt.ToUnixTimeMilliseconds())));
        await transaction.CommitAsync(ct);
        return new PublishResult(new DefinitionVersion(name, version, hash, text, publishedAt, RetractedAt: null), Created: true);
    }

    /// <summary>The given version (retracted or not), or with no version the latest non-retracted one; null if none.</summary>
    public async Task<DefinitionVersion?> GetAsync(string name, int? version, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var found = version is { } number
            ? await QueryAsync(connection, $"SELECT {Columns} FROM definition_versions WHERE name = $name AND version = $version",
                ct, ("$name", name), ("$version", number))
            : await QueryAsync(connection, $"""
                SELECT {Columns} FROM definition_versions
                WHERE name = $name AND retracted_at IS NULL
                ORDER BY version DESC LIMIT 1
                """, ct, ("$name", name));
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Every version of <paramref name="name"/>, retracted ones included, oldest first.</summary>
    public async Task<IReadOnlyList<DefinitionVersion>> ListVersionsAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await QueryAsync(connection, $"SELECT {Columns} FROM definition_versions WHERE name = $name ORDER BY version",
            ct, ("$name", name));
    }

    /// <summary>One summary per published pipeline name, ordered by name.</summary>
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
        while (await reader.ReadAsync(ct))
        {
            summaries.Add(new DefinitionSummary(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetInt32(1),
                reader.GetInt32(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }
        return summaries;
    }

    /// <summary>
    /// Marks a version retracted so it starts no new runs. Retracting again keeps the first time.
    /// Returns the updated version, or null when it does not exist.
    /// </summary>
    public async Task<DefinitionVersion?> RetractAsync(string name, int version, CancellationToken ct)
    {
        var now = TruncateToMilliseconds(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(ct);
        var updated = await QueryAsync(connection, $"""
            UPDATE definition_versions SET retracted_at = COALESCE(retracted_at, $now)
            WHERE name = $name AND version = $version
            RETURNING {Columns}
            """, ct, ("$name", name), ("$version", version), ("$now", now.ToUnixTimeMilliseconds()));
        return updated.Count > 0 ? updated[0] : null;
    }

    private static async Task<List<DefinitionVersion>> QueryAsync(
        SqliteConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new List<DefinitionVersion>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(new DefinitionVersion(
                Name: reader.GetString(0),
                Version: reader.GetInt32(1),
                Hash: reader.GetString(2),
                Yaml: reader.GetString(3),
                PublishedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                RetractedAt: reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }
        return versions;
    }

    // The database keeps milliseconds; returning the same precision means a version reads back equal to what publish returned.
    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
