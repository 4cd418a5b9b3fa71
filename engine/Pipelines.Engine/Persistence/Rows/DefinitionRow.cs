using System.Data.Common;

namespace Pipelines.Persistence.Rows;

/// <summary>Definition versions and drafts as both stores keep them: text columns, times in unix milliseconds.</summary>
internal static class DefinitionRow
{
    public const string Columns = "name, version, hash, yaml, published_at, retracted_at";

    public const string DraftColumns = "name, yaml, saved_at";

    public static DefinitionVersion Read(DbDataReader reader) => new(
        Name: reader.GetString(0),
        Version: reader.GetInt32(1),
        Hash: reader.GetString(2),
        Yaml: reader.GetString(3),
        PublishedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        RetractedAt: reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));

    /// <summary>A row of the per-name summary query: name, latest live version, count, last publish.</summary>
    public static DefinitionSummary ReadSummary(DbDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetInt32(1),
        Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));

    public static Draft ReadDraft(DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));

    /// <summary>The database keeps milliseconds; returning the same precision means a row reads back equal to what was written.</summary>
    public static DateTimeOffset Milliseconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
