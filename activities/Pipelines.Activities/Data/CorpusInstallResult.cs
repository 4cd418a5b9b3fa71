namespace Pipelines.Activities.Data;

/// <summary>What an install did: where the corpus is, whether it was there already, how many files and bytes it has.</summary>
public sealed record CorpusInstallResult(string Folder, bool AlreadyInstalled, int Files, long Bytes);
