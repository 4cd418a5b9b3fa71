using System.Data.Common;

namespace Pipelines.Persistence.Rows;

/// <summary>Reads query results into records, the same way for SQLite and PostgreSQL readers.</summary>
internal static class RowReader
{
    /// <summary>Every row of <paramref name="reader"/>, each turned into a record by <paramref name="read"/>.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(this DbDataReader reader, Func<DbDataReader, T> read, CancellationToken ct)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(read(reader));
        return rows;
    }
}
