using System.Diagnostics;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Runtime;
using Xunit.Abstractions;

namespace Pipelines.Cli.Tests.Crash;

/// <summary>
/// Runs killed with SIGKILL at random moments, then resumed (and perhaps killed again) until they finish: each ends
/// succeeded, with the outputs of an uninterrupted run, and no step that the store had as succeeded runs again.
/// </summary>
public sealed class CrashResumeTests(ITestOutputHelper output)
{
    private const int Runs = 8;
    private const int MaxLaunchesPerRun = 12;
    private const int Steps = 12;
    private static readonly string[] Echoes = ["c1", "c2", "fa", "fb", "c3", "c4", "c5"];

    /// <summary>
    /// These kills are the test's, not a poison step's: several in a row may land before anything finishes, which the
    /// dead-letter rule (DeadLetterTests) would rightly stop.
    /// </summary>
    private static readonly Dictionary<string, string> KillsAreDeliberate = new() { ["PIPELINES_MAX_LOST_ATTEMPTS"] = "1000" };

    /// <summary>
    /// A chain with a fan-out in the middle (two echoes and a matrix of three sleeps): echoes pass text along, sleeps
    /// give the kills somewhere to land.
    /// </summary>
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: crash-chain }
        steps:
          c1:
            uses: core.echo@1
            with: { message: a }
          s1:
            uses: core.sleep@1
            needs: [c1]
            with: { seconds: 0.1 }
          c2:
            uses: core.echo@1
            needs: [s1]
            with:
              message: ${{ steps.c1.outputs.message }}b
          fa:
            uses: core.echo@1
            with:
              message: ${{ steps.c2.outputs.message }}-x
          fb:
            uses: core.echo@1
            with:
              message: ${{ steps.c2.outputs.message }}-y
          fc:
            uses: core.sleep@1
            needs: [c2]
            matrix: { seconds: [0.05, 0.1, 0.15] }
            with:
              seconds: ${{ matrix.seconds }}
          s2:
            uses: core.sleep@1
            needs: [fa, fb]
            with: { seconds: 0.2 }
          c3:
            uses: core.echo@1
            needs: [s2, fc]
            with:
              message: ${{ steps.fa.outputs.message }}+${{ steps.fb.outputs.message }}
          s3:
            uses: core.sleep@1
            needs: [c3]
            with: { seconds: 0.05 }
          c4:
            uses: core.echo@1
            needs: [s3]
            with:
              message: ${{ steps.c3.outputs.message }}!
          s4:
            uses: core.sleep@1
            needs: [c4]
            with: { seconds: 0.1 }
          c5:
            uses: core.echo@1
            needs: [s4]
            with:
              message: ${{ steps.c4.outputs.message }}.
        """;

    [Fact]
    public async Task Runs_killed_at_random_moments_resume_to_the_outputs_of_an_uninterrupted_run()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PIPELINES_CRASH_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"seed {seed} (repeat with PIPELINES_CRASH_SEED={seed})");
        var random = new Random(seed);
        using var workspace = new Workspace();
        var file = workspace.Write("crash.yaml", Pipeline);
        var resumeInChild = await CliHasResumeAsync();
        output.WriteLine(resumeInChild ? "resuming with `pipelines runs resume`" : "`pipelines runs resume` is missing: resuming in this process");

        var (reference, executing) = await UninterruptedRunAsync(workspace, file);
        output.WriteLine($"uninterrupted run: {executing.TotalMilliseconds:0}ms from `run ID` to exit");

        for (var i = 0; i < Runs; i++)
        {
            var history = new List<string>();
            using var child = CliProcess.StartWith(KillsAreDeliberate, "run", file, "--data-dir", workspace.DataDirectory, "--no-cache");
            var id = await child.RunIdAsync();
            var killed = await child.KillAfterAsync(RandomDelay(random, executing));
            var launches = 1;
            var before = await StoreSnapshot.ReadAsync(workspace.DataDirectory, id);
            history.Add(killed ? $"run: killed at {before.Succeeded}/{Steps + 3}" : $"run: exit {child.ExitCode}");

            while (!StatusNames.ParseRun(before.Run.Status).IsTerminal())
            {
                Assert.True(launches < MaxLaunchesPerRun, $"run {i} ({id}) did not finish after {launches} launches: {string.Join(", ", history)}\n{before.Describe()}");
                launches++;
                var killAgain = resumeInChild && random.NextDouble() < 0.5 && launches < MaxLaunchesPerRun - 1;
                var how = await ResumeAsync(workspace, id, resumeInChild, killAgain ? RandomDelay(random, executing) : null);
                var after = await StoreSnapshot.ReadAsync(workspace.DataDirectory, id);
                history.Add(how.EndsWith("killed", StringComparison.Ordinal) ? $"{how} at {after.Succeeded}/{Steps + 3}" : how);
                AssertFinishedStepsUntouched(before, after, id, history);
                before = after;
            }

            output.WriteLine($"run {i} {id}: {string.Join(", ", history)}");
            AssertLikeTheReference(reference, before, launches, history);
        }
    }

    private static TimeSpan RandomDelay(Random random, TimeSpan executing) =>
        TimeSpan.FromMilliseconds(random.NextDouble() * executing.TotalMilliseconds * 1.1);

    /// <summary>One run left alone: what every interrupted run must end with, and how long executing takes (from `run ID` to exit).</summary>
    private static async Task<(StoreSnapshot Reference, TimeSpan Executing)> UninterruptedRunAsync(Workspace workspace, string file)
    {
        using var child = CliProcess.Start("run", file, "--data-dir", workspace.DataDirectory, "--no-cache");
        var id = await child.RunIdAsync();
        var clock = Stopwatch.StartNew();
        var exit = await child.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var executing = clock.Elapsed;
        Assert.True(exit == 0, $"the uninterrupted run exited {exit}:\n{child.Output}");
        var reference = await StoreSnapshot.ReadAsync(workspace.DataDirectory, id);
        Assert.Equal("succeeded", reference.Run.Status);
        Assert.Equal(Steps + 3, reference.Steps.Count);
        Assert.Equal("ab-x+ab-y!.", JsonNode.Parse(reference.Steps["c5"].Outputs!)!["message"]!.GetValue<string>());
        return (reference, executing);
    }

    private static async Task<string> ResumeAsync(Workspace workspace, string id, bool inChild, TimeSpan? killAfter)
    {
        if (!inChild)
        {
            await using var engine = await RunEngine.OpenAsync(workspace.DataDirectory, BuiltInActivities.CreateCatalog());
            var status = await engine.ExecuteAsync(id).WaitAsync(TimeSpan.FromSeconds(60));
            return $"resumed in process: {status.Name()}";
        }

        using var child = CliProcess.StartWith(KillsAreDeliberate, "runs", "resume", id, "--data-dir", workspace.DataDirectory);
        if (killAfter is { } delay)
        {
            return await child.KillAfterAsync(delay) ? "resume: killed" : $"resume: exit {child.ExitCode}";
        }

        var exit = await child.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"`runs resume {id}` exited {exit}:\n{child.Output}");
        return $"resume: exit {exit}";
    }

    /// <summary>A step the store had as succeeded is never executed again: its row and its log lines stay exactly as they were.</summary>
    private static void AssertFinishedStepsUntouched(StoreSnapshot before, StoreSnapshot after, string id, List<string> history)
    {
        foreach (var step in before.Steps.Values.Where(s => s.Status == "succeeded"))
        {
            var now = after.Steps[step.StepId];
            Assert.True(step == now,
                $"run {id}: step {step.StepId} was succeeded, then changed ({string.Join(", ", history)}):\nbefore {step}\nafter  {now}");
            Assert.True(before.LogsOf(step.StepId).SequenceEqual(after.LogsOf(step.StepId)),
                $"run {id}: step {step.StepId} was succeeded, then logged again ({string.Join(", ", history)}): "
                + $"[{string.Join(" | ", before.LogsOf(step.StepId))}] -> [{string.Join(" | ", after.LogsOf(step.StepId))}]");
        }
    }

    private static void AssertLikeTheReference(StoreSnapshot reference, StoreSnapshot final, int launches, List<string> history)
    {
        var context = $"run {final.Run.Id} ({string.Join(", ", history)}):\n{final.Describe()}";
        Assert.True(final.Run.Status == "succeeded", context);
        Assert.Null(final.Run.Owner);
        Assert.Equal(reference.Steps.Keys.Order(), final.Steps.Keys.Order());
        foreach (var (stepId, expected) in reference.Steps)
        {
            var step = final.Steps[stepId];
            Assert.True(step.Status == "succeeded", $"{stepId} is {step.Status}; {context}");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.Outputs!), JsonNode.Parse(step.Outputs!)), $"{stepId} outputs {step.Outputs}, expected {expected.Outputs}; {context}");
            // A process claims a step at most once, and nothing here fails: attempts beyond the launches would be absurd.
            Assert.True(step.Attempts >= 1 && step.Attempts <= launches, $"{stepId} shows {step.Attempts} attempts after {launches} launches; {context}");
            Assert.True(step.Failures == 0, $"{stepId} shows {step.Failures} failures; {context}");
            var logs = final.LogsOf(stepId);
            if (Echoes.Contains(stepId))
            {
                // Echo logs its message once per execution; an execution cut short may have logged before it was killed.
                var message = JsonNode.Parse(step.Outputs!)!["message"]!.GetValue<string>();
                Assert.True(logs.Count >= 1 && logs.Count <= step.Attempts && logs.All(l => l == message),
                    $"{stepId} logged [{string.Join(" | ", logs)}] over {step.Attempts} attempts; {context}");
            }
        }
    }

    private static async Task<bool> CliHasResumeAsync()
    {
        using var probe = CliProcess.Start("runs", "resume", "--help");
        return await probe.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0;
    }
}
