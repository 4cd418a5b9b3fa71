using System.Globalization;

namespace Pipelines.Activities.Data;

/// <summary>What an install did: where the corpus is, whether it was there already, how many files and bytes it has.</summary>
public sealed record CorpusInstallResult(string Folder, bool AlreadyInstalled, int Files, long Bytes)
{
    /// <summary>One line for the user, the same from the CLI and from <c>data.fetch</c>.</summary>
    internal string Summary(CorpusPackage package, TimeSpan took)
    {
        var size = Bytes / 1e6;
        return AlreadyInstalled
            ? string.Create(CultureInfo.InvariantCulture, $"{package.Name} is installed and verified: {Files:N0} files ({size:0.0} MB) of {package.Spec}")
            : string.Create(CultureInfo.InvariantCulture, $"installed {package.Name}: {Files:N0} files ({size:0.0} MB) of {package.Spec}, checksums verified, in {took.TotalSeconds:0.0} s");
    }
}
