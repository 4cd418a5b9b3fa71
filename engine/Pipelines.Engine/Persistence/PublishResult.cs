namespace Pipelines.Persistence;

/// <summary>The version a publish resolved to; <see cref="Created"/> is false when identical content was already published.</summary>
public sealed record PublishResult(DefinitionVersion Version, bool Created);
