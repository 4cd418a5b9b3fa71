using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Cli.Runs;

/// <summary>
/// One line of <see cref="ArtifactsToOpen"/>: <c>step.output</c>, the artifact's kind, where it is on disk and, for a
/// folder, the names in it (what to open: report.md, loss.png, adapter_model.safetensors).
/// </summary>
public sealed record ArtifactToOpen(string Output, string Kind, string Path, IReadOnlyList<string> Files);

/// <summary>
/// Where to look when a run command ends: the run's artifacts that a person opens, with their paths as
/// <c>artifacts path REF</c> resolves them. The rule knows no pipeline and no step id: a step output is listed when its
/// value is an artifact reference whose kind — the one the activity stored it with — is <c>report</c>, <c>adapter</c>
/// or <c>model</c> (dataset cards, evaluation and safety reports, selection reports and loss curves are reports).
/// Datasets (splits, quarantine, predictions) are left out: they feed the next step, and a curation alone makes four;
/// <c>runs show</c> lists every output. Only top-level steps count, looking one level into object outputs (a matrix
/// step's <c>best</c>) but not into lists (its <c>all</c>), so a sweep adds a line per output, not per combination.
/// </summary>
public static class ArtifactsToOpen
{
    public static readonly IReadOnlyList<string> Kinds = ["report", "adapter", "model"];

    private const int FolderNames = 4;

    public static async Task<IReadOnlyList<ArtifactToOpen>> FindAsync(RunEngine engine, RunRow run, CancellationToken ct)
    {
        var found = new List<ArtifactToOpen>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in await RunReport.StepsInOrderAsync(engine.Runs, engine.Definitions, run, ct))
        {
            if (step.ParentId is not null || step.Outputs is null || JsonNode.Parse(step.Outputs) is not JsonObject outputs) continue;
            foreach (var (name, value) in References(outputs))
            {
                if (!seen.Add(value.Digest) || await engine.Artifacts.Index.GetAsync(value, ct) is not { } metadata || !Kinds.Contains(metadata.Kind)) continue;
                var exists = engine.Artifacts.Exists(value);
                var path = exists ? engine.Artifacts.PathOf(value) : "(content missing from this data directory)";
                var files = exists && metadata.IsDirectory
                    ? Directory.EnumerateFileSystemEntries(path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
                    : [];
                found.Add(new ArtifactToOpen($"{step.StepId}.{name}", metadata.Kind, path, files));
            }
        }

        return found;
    }

    /// <summary>Prints <c>where to look:</c> and a line per artifact; nothing when the run made none of those kinds.</summary>
    public static async Task PrintAsync(CliContext cli, RunEngine engine, RunRow run, CancellationToken ct)
    {
        var found = await FindAsync(engine, run, ct);
        if (found.Count == 0) return;
        var width = found.Max(a => a.Output.Length);
        await cli.Out.WriteLineAsync("where to look:");
        foreach (var artifact in found)
        {
            var files = artifact.Files.Count == 0 ? ""
                : $"  ({string.Join(", ", artifact.Files.Take(FolderNames))}{(artifact.Files.Count > FolderNames ? $", +{artifact.Files.Count - FolderNames} more" : "")})";
            await cli.Out.WriteLineAsync($"  {artifact.Output.PadRight(width)}  {artifact.Kind,-7}  {artifact.Path}{files}");
        }
    }

    private static IEnumerable<(string Name, ArtifactReference Reference)> References(JsonObject outputs, string prefix = "", int depth = 0)
    {
        foreach (var (key, value) in outputs)
        {
            if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String && ArtifactReference.TryParse(text.GetValue<string>(), out var reference))
            {
                yield return (prefix + key, reference);
            }
            else if (value is JsonObject inner && depth == 0)
            {
                foreach (var nested in References(inner, $"{prefix}{key}.", depth + 1)) yield return nested;
            }
        }
    }
}
