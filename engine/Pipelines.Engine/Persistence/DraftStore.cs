using Microsoft.Data.Sqlite;

namespace Pipelines.Persistence;

/// <summary>
/// Drafts from the designer: per pipeline name the latest text saved, valid or not, kept apart from the published
/// versions (DESIGN §3). Nothing runs a draft: runs, schedules and monitors read <c>definition_versions</c> only.
/// </summary>
public sealed class DraftStore(SqliteDatabase database, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Saves <paramref name="yaml"/> as the draft of <paramref name="name"/>, replacing the one before.</summary>
    public async Task<Draft> SaveAsync(string name, string yaml, CancellationToken ct)
    {
        if (!DefinitionReference.IsValidName(name))
            throw new ArgumentException($"'{name}' is not a pipeline name; names are 1 to 63 lowercase letters, digits and '-'.", nameof(name));

        var text = DefinitionContent.NormaliseLineEndings(yaml);
        var savedAt = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO definition_drafts (name, yaml, saved_at) VALUES ($name, $yaml, $savedAt)
            ON CONFLICT (name) DO UPDATE SET yaml = excluded.yaml, saved_at = excluded.saved_at
            """, ct, ("$name", name), ("$yaml", text), ("$savedAt", savedAt.ToUnixTimeMilliseconds()));
        return new Draft(name, text, savedAt);
    }

    public async Task<Draft?> GetAsync(string name, CancellationToken ct)
    {
        var found = await QueryAsync("SELECT name, yaml, saved_at FROM definition_drafts WHERE name = $name", ct, ("$name", name));
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Every draft, by name.</summary>
    public Task<List<Draft>> ListAsync(CancellationToken ct) =>
        QueryAsync("SELECT name, yaml, saved_at FROM definition_drafts ORDER BY name", ct);

    /// <summary>Deletes the draft of <paramref name="name"/>; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("DELETE FROM definition_drafts WHERE name = $name", ct, ("$name", name)) > 0;
    }

    private async Task<List<Draft>> QueryAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var drafts = new List<Draft>();
        while (await reader.ReadAsync(ct))
        {
            drafts.Add(new Draft(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return drafts;
    }
}

/// <summary>A designer's draft of a pipeline: its text as last saved, which may not validate.</summary>
public sealed record Draft(string Name, string Yaml, DateTimeOffset SavedAt);
