using Pipelines.Activities.Models;
using Snapshooter;
using Snapshooter.Xunit;

namespace Pipelines.Activities.Tests.Models;

/// <summary>The checkpoint keys and shapes of the tiny presets: what adapters, exports and HF tools depend on.</summary>
public sealed class ParameterSnapshotTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Tiny_preset_parameter_names_and_shapes_match_the_snapshot(string architecture)
    {
        using var model = CausalLanguageModel.Create(ModelPresets.Config(architecture, "tiny", vocabSize: 512, specialId: 511));

        var lines = model.CheckpointTensors().Select(t => $"{t.Key} [{string.Join(", ", t.Value.shape)}]");

        Snapshot.Match(string.Join('\n', lines), SnapshotNameExtension.Create(architecture));
    }
}
