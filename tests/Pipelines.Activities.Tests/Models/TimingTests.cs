using System.Diagnostics;
using Pipelines.Activities.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Models;

[CollectionDefinition(nameof(TimingTests), DisableParallelization = true)]
public sealed class TimingCollection;

/// <summary>Speed promises of the presets, measured alone (not beside other tests) after one warm-up step.</summary>
[Collection(nameof(TimingTests))]
public sealed class TimingTests(ITestOutputHelper output)
{
    [Fact]
    public void A_tiny_model_trains_a_step_of_4_by_64_tokens_well_under_a_second()
    {
        var (model, _) = ModelPresets.Create("llama", "tiny", seed: 3);
        using var ids = randint(0, model.Config.VocabSize, [4, 65]);
        model.train();
        var optimizer = optim.AdamW(model.parameters(), 1e-3);

        double Step()
        {
            var watch = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.Forward(ids.narrow(1, 0, 64));
            var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), ids.narrow(1, 1, 64).reshape(-1));
            loss.backward();
            optimizer.step();
            return watch.Elapsed.TotalSeconds;
        }

        Step();
        var seconds = Enumerable.Range(0, 3).Select(_ => Step()).Min();
        output.WriteLine($"tiny llama training step (4 × 64 tokens): {seconds * 1000:0} ms");

        Assert.True(seconds < 1, $"a training step took {seconds:0.000} s");
        model.Dispose();
    }
}
