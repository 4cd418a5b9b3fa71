using System.Text;

namespace Pipelines.Bench.Engine;

/// <summary>
/// The benchmark's two shapes as pipeline documents, every step <c>core.noop@1</c>: what our runtime runs, and what
/// <see cref="WorkflowCoreChain"/> and <see cref="WorkflowCoreDiamond"/> build on the other side.
/// </summary>
public static class EngineWorkloads
{
    public const int DiamondSteps = WorkflowCoreDiamond.Steps;

    /// <summary><paramref name="steps"/> steps, <c>s0001</c> … each needing the one before.</summary>
    public static string ChainYaml(int steps)
    {
        var yaml = Header($"bench-chain-{steps}", $"{steps} no-op steps in a line");
        for (var i = 1; i <= steps; i++)
        {
            yaml.Append("  ").Append(ChainStep(i)).AppendLine(":").AppendLine("    uses: core.noop@1");
            if (i > 1) yaml.Append("    needs: [").Append(ChainStep(i - 1)).AppendLine("]");
        }

        return yaml.ToString();
    }

    /// <summary><c>start</c> → <c>branch1</c> … <c>branch8</c> → <c>join</c>.</summary>
    public static string DiamondYaml()
    {
        var branches = Enumerable.Range(1, WorkflowCoreDiamond.Branches).Select(i => $"branch{i}").ToArray();
        var yaml = Header("bench-diamond", "start, 8 parallel no-op steps, join");
        yaml.AppendLine("  start:").AppendLine("    uses: core.noop@1");
        foreach (var branch in branches)
            yaml.Append("  ").Append(branch).AppendLine(":").AppendLine("    uses: core.noop@1").AppendLine("    needs: [start]");
        yaml.AppendLine("  join:").AppendLine("    uses: core.noop@1").Append("    needs: [").Append(string.Join(", ", branches)).AppendLine("]");
        return yaml.ToString();
    }

    private static string ChainStep(int i) => $"s{i:D4}";

    private static StringBuilder Header(string name, string description) => new StringBuilder()
        .AppendLine("apiVersion: pipelines/v1")
        .AppendLine("kind: Pipeline")
        .AppendLine("metadata:")
        .Append("  name: ").AppendLine(name)
        .Append("  description: ").AppendLine(description)
        // Every no-op has the same (empty) inputs: with caching on, all but the first would be cache hits.
        .AppendLine("defaults:")
        .AppendLine("  cache: false")
        .AppendLine("steps:");
}
