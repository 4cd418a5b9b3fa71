using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sqlite;

/// <summary>The designer's drafts in the embedded store (table <c>definition_drafts</c> of migration 12).</summary>
public sealed class SqliteDraftStore(SqliteDatabase database, TimeProvider? time = null) : IDraftStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<Draft> SaveAsync(string name, string yaml, CancellationToken ct)
    {
        DefinitionContent.CheckName(name);
        var text = DefinitionContent.NormaliseLineEndings(yaml);
        var savedAt = DefinitionRow.Milliseconds(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO definition_drafts (name, yaml, saved_at) VALUES ($name, $yaml, $savedAt)
            ON CONFLICT (name) DO UPDATE SET yaml = excluded.yaml, saved_at = excluded.saved_at
            """, ct, ("$name", name), ("$yaml", text), ("$savedAt", savedAt.ToUnixTimeMilliseconds()));
        return new Draft(name, text, savedAt);
    }

    public async Task<Draft?> GetAsync(string name, CancellationToken ct)
    {
        var found = await QueryAsync($"SELECT {DefinitionRow.DraftColumns} FROM definition_drafts WHERE name = $name", ct, ("$name", name));
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<Draft>> ListAsync(CancellationToken ct) =>
        await QueryAsync($"SELECT {DefinitionRow.DraftColumns} FROM definition_drafts ORDER BY name", ct);

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
        while (await reader.ReadAsync(ct)) drafts.Add(DefinitionRow.ReadDraft(reader));
        return drafts;
    }
}
