namespace Pipelines.Persistence;

/// <summary>
/// One immutable published version of a pipeline definition. <see cref="Yaml"/> has <c>\n</c> line endings and
/// <see cref="Hash"/> is its lowercase hex SHA-256. Times are UTC with millisecond precision.
/// </summary>
public sealed record DefinitionVersion(
    string Name,
    int Version,
    string Hash,
    string Yaml,
    DateTimeOffset PublishedAt,
    DateTimeOffset? RetractedAt)
{
    /// <summary>The pinned reference runs use, e.g. <c>email-subjects@3</c>.</summary>
    public string Reference => $"{Name}@{Version}";

    public bool IsRetracted => RetractedAt is not null;
}
