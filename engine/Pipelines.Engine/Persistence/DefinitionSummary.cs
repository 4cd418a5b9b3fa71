namespace Pipelines.Persistence;

/// <summary>
/// One pipeline name at a glance. <see cref="LatestVersion"/> is the version a schedule would follow (the
/// newest not retracted), null when every version is retracted; <see cref="VersionCount"/> counts retracted ones too.
/// </summary>
public sealed record DefinitionSummary(string Name, int? LatestVersion, int VersionCount, DateTimeOffset LastPublishedAt);
