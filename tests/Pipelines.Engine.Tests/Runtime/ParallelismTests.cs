using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class ParallelismTests
{
    private const string FourGates = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: four-gates }
        steps:
          g1: { uses: test.gate@1 }
          g2: { uses: test.gate@1 }
          g3: { uses: test.gate@1 }
          g4: { uses: test.gate@1 }
        """;

    [Fact]
    public async Task With_two_slots_exactly_two_independent_steps_run_at_once()
    {
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 2 });
        var id = await harness.CreateRunAsync(FourGates);
        var probe = Probe.For(id);

        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(() => probe.Running == 2, "two gates are entered");
        // Let them go one at a time: each release makes room for exactly one more.
        for (var entered = 3; entered <= 4; entered++)
        {
            probe.Gate.Release();
            var expected = entered;
            await Probe.UntilAsync(() => probe.Events.Count(e => e.StartsWith("start", StringComparison.Ordinal)) == expected, $"{expected} gates were entered");
        }

        probe.Gate.Release(2);

        Assert.Equal(RunStatus.Succeeded, await run);
        Assert.Equal(2, probe.MaxRunning);
    }

    [Fact]
    public async Task With_four_slots_all_four_independent_steps_run_at_once()
    {
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 4 });
        var id = await harness.CreateRunAsync(FourGates);
        var probe = Probe.For(id);

        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(() => probe.Running == 4, "all four gates are entered");
        probe.Gate.Release(4);

        Assert.Equal(RunStatus.Succeeded, await run);
        Assert.Equal(4, probe.MaxRunning);
    }

    [Fact]
    public async Task Inline_steps_run_while_the_only_slot_is_held()
    {
        // core.echo is inline: it runs on the run's loop and needs no slot, so it never queues behind long work.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: inline-beside-gate }
            steps:
              held: { uses: test.gate@1 }
              quick:
                uses: core.echo@1
                with: { message: done }
              after:
                uses: core.echo@1
                needs: [quick]
                with: { message: "${{ steps.quick.outputs.message }} too" }
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 1 });
        var id = await harness.CreateRunAsync(yaml);
        var probe = Probe.For(id);

        var run = harness.ExecuteAsync(id);
        await Probe.UntilAsync(() => probe.Running == 1, "the gate holds the only slot");
        await Probe.UntilAsync(async () => (await harness.StepsAsync(id)).TryGetValue("after", out var after) && after.Status == "succeeded",
            "the inline steps finish while the gate still holds the slot");
        Assert.Equal("running", (await harness.StepAsync(id, "held")).Status);
        Assert.Equal("done too", RuntimeHarness.Outputs(await harness.StepAsync(id, "after"))["message"]!.GetValue<string>());

        probe.Gate.Release();
        Assert.Equal(RunStatus.Succeeded, await run);
    }

    [Fact]
    public async Task Runs_sharing_one_slot_all_finish()
    {
        // Several coordinators compete for the process's slots; each must be woken when one frees up.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: wide }
            steps:
              a: { uses: core.noop@1 }
              b: { uses: core.noop@1 }
              c: { uses: core.noop@1 }
              d: { uses: core.noop@1 }
              e: { uses: core.noop@1 }
              f: { uses: core.noop@1 }
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 1 });
        var version = await harness.PublishAsync(yaml);
        for (var round = 0; round < 10; round++)
        {
            var ids = new List<string>();
            for (var i = 0; i < 6; i++) ids.Add(await harness.Engine.CreateRunAsync(version, []));

            var runs = ids.Select(id => harness.Engine.ExecuteAsync(id)).ToList();
            var all = Task.WhenAll(runs);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10)));

            var stuck = new List<string>();
            foreach (var (id, run) in ids.Zip(runs).Where(r => !r.Second.IsCompleted))
            {
                var steps = await harness.StepsAsync(id);
                stuck.Add($"{id}: " + string.Join(", ", steps.Values.OrderBy(s => s.StepId).Select(s => $"{s.StepId}={s.Status}")));
            }

            Assert.True(stuck.Count == 0, $"round {round}: {stuck.Count} of 6 runs never finished, with a slot free:\n" + string.Join('\n', stuck));
            Assert.All(await all, s => Assert.Equal(RunStatus.Succeeded, s));
        }
    }
}
