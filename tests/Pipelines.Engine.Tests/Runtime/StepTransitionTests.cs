using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// The rules of a step's life (<see cref="StepTransitions"/>) on their own: no store, no clock, no activity runs.
/// Each test drives a run's state with events and reads what changed.
/// </summary>
public sealed class StepTransitionTests
{
    private const string Owner = "host:1:0";
    private const long Now = 1_000_000;

    private static (RunState State, StepTransitions Steps) Start(string steps)
    {
        var yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: rules }
            params:
              go: { type: boolean, default: true }
            steps:

            """ + steps;
        var loaded = PipelineLoader.Load("rules.yaml", yaml, RuntimeHarness.Catalog);
        Assert.True(loaded.Succeeded, string.Join('\n', loaded.Diagnostics));
        var run = new RunRow("r1", "rules", 1, "pending", """{"go": true}""", "manual", false, null, Now, null, null, null, false, Owner, null);
        var state = new RunState(run, new RunPlan(loaded.Pipeline!, RuntimeHarness.Catalog), new SecretMask(new Dictionary<string, string>()));
        return (state, new StepTransitions(state));
    }

    /// <summary>The executions changed since the last call, by id with their status, as the store would be handed them.</summary>
    private static Dictionary<string, string> Changes(RunState state)
    {
        var changes = new RunChanges();
        state.TakeChanges(changes, Owner, Now + 30_000, Now);
        return changes.Steps.ToDictionary(s => s.StepId, s => s.Status, StringComparer.Ordinal);
    }

    private static StepResult Success(string value = "x") => StepResult.Success(new JsonObject { ["value"] = value }, cached: false, cacheKey: null);

    private const string Chain = """
          a:
            uses: core.noop@1
          b:
            uses: core.noop@1
            needs: [a]
        """;

    [Fact]
    public void A_step_with_no_upstream_is_ready_and_its_downstream_waits()
    {
        var (state, steps) = Start(Chain);

        steps.Advance(Now);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "ready" }, Changes(state));
        Assert.Equal(StepStatus.Pending, state["b"].Status);
        Assert.True(steps.TryTakeReady(out var next));
        Assert.Equal("a", next.Id);
        Assert.False(steps.TryTakeReady(out _));
    }

    [Fact]
    public void Claiming_starts_an_attempt_and_success_makes_the_downstream_ready()
    {
        var (state, steps) = Start(Chain);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);

        steps.Claim(a, Owner, Now + 1);
        Assert.Equal((StepStatus.Running, 1, Owner, (long?)Now + 1), (a.Status, a.Attempts, a.LeaseOwner, a.StartedAt));

        Assert.Equal(StepStatus.Succeeded, steps.Complete(a, Success(), Now + 2, detaching: false, cancelling: false, cancelReason: null));
        Assert.Null(a.LeaseOwner);
        Assert.Equal("x", a.Outputs!["value"]!.GetValue<string>());
        steps.Advance(Now + 2);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "succeeded", ["b"] = "ready" }, Changes(state));
        Assert.False(steps.AllFinished);
    }

    [Fact]
    public void Workers_lost_holding_an_attempt_count_as_attempts_and_not_as_failures()
    {
        var (_, steps) = Start(Chain);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        steps.Claim(a, Owner, Now + 1);

        var ran = Success() with { LostAttempts = 2 };

        Assert.Equal(StepStatus.Succeeded, steps.Complete(a, ran, Now + 2, detaching: false, cancelling: false, cancelReason: null));
        Assert.Equal((3, 0), (a.Attempts, a.Failures));
    }

    [Fact]
    public void A_retryable_failure_waits_its_backoff_growing_by_the_factor_then_fails_and_skips_the_downstream()
    {
        var (state, steps) = Start("""
              a:
                uses: core.noop@1
                retry: { max: 2, backoff: 10s, factor: 3 }
              b:
                uses: core.noop@1
                needs: [a]
            """);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        var logged = new List<string>();
        steps.Logged = (_, line) => logged.Add(line);

        steps.Claim(a, Owner, Now);
        Assert.Equal(StepStatus.Retrying, steps.Complete(a, StepResult.Failure("boom", retryable: true), Now, false, false, null));
        Assert.Equal(Now + 10_000, a.NextAttemptAt);
        Assert.Equal(Now + 10_000, steps.NextRetryAt(Now));
        Assert.Equal("attempt 1 failed: boom; retrying in 10s", Assert.Single(logged));

        steps.ReadyRetries(Now + 9_999);
        Assert.Equal(StepStatus.Retrying, a.Status);
        steps.ReadyRetries(Now + 10_000);
        Assert.Equal(StepStatus.Ready, a.Status);

        steps.TryTakeReady(out _);
        steps.Claim(a, Owner, Now + 10_000);
        Assert.Equal(StepStatus.Retrying, steps.Complete(a, StepResult.Failure("boom", retryable: true), Now + 10_000, false, false, null));
        Assert.Equal(Now + 10_000 + 30_000, a.NextAttemptAt);

        steps.ReadyRetries(Now + 40_000);
        steps.TryTakeReady(out _);
        steps.Claim(a, Owner, Now + 40_000);
        Assert.Equal(StepStatus.Failed, steps.Complete(a, StepResult.Failure("boom", retryable: true), Now + 40_000, false, false, null));
        Assert.Equal((3, 3, "boom"), (a.Attempts, a.Failures, a.Error));
        Assert.Null(steps.NextRetryAt(Now + 40_000));

        steps.Advance(Now + 40_000);
        Assert.Equal(StepStatus.Skipped, state["b"].Status);
        Assert.Equal("upstream step 'a' failed", state["b"].Error);
        Assert.True(steps.TryEnd(Now + 40_000, cancelling: false, cancelReason: null));
        Assert.Equal((RunStatus.Failed, "step 'a' failed: boom"), (state.Status, state.Error));
    }

    [Fact]
    public void A_failure_that_is_not_retryable_fails_at_once_and_a_cancelled_run_retries_nothing()
    {
        var (_, steps) = Start("""
              a:
                uses: core.noop@1
                retry: { max: 5 }
              b:
                uses: core.noop@1
                retry: { max: 5 }
            """);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        steps.TryTakeReady(out var b);
        steps.Claim(a, Owner, Now);
        steps.Claim(b, Owner, Now);

        Assert.Equal(StepStatus.Failed, steps.Complete(a, StepResult.Failure("bad input", retryable: false), Now, false, false, null));
        Assert.Equal(StepStatus.Failed, steps.Complete(b, StepResult.Failure("flaky", retryable: true), Now, false, cancelling: true, cancelReason: null));
    }

    [Fact]
    public void A_step_suspended_on_a_bookmark_waits_without_failing_and_resumes_with_the_payload()
    {
        var (state, steps) = Start(Chain);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        steps.Claim(a, Owner, Now);
        Changes(state);

        Assert.Equal(StepStatus.Waiting, steps.Complete(a, StepResult.Suspension("review"), Now, false, false, null));
        Assert.Equal((0, "review", (string?)null), (a.Failures, a.Bookmark, a.LeaseOwner));
        Assert.True(steps.TryEnd(Now, cancelling: false, cancelReason: null));
        Assert.Equal(RunStatus.Waiting, state.Status);

        Assert.False(steps.Resume("a", "another", null));
        Assert.True(steps.Resume("a", "review", new JsonObject { ["approved"] = true }));
        Assert.Equal((StepStatus.Ready, (string?)null, true), (a.Status, a.Bookmark, a.Resume!["approved"]!.GetValue<bool>()));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "ready" }, Changes(state));
    }

    [Fact]
    public void A_false_when_skips_the_step_and_a_step_whose_every_upstream_was_skipped_is_skipped_too()
    {
        var (state, steps) = Start("""
              gate:
                uses: core.noop@1
                when: ${{ !params.go }}
              after:
                uses: core.noop@1
                needs: [gate]
              beside:
                uses: core.noop@1
              join:
                uses: core.noop@1
                needs: [gate, beside]
            """);

        steps.Advance(Now);

        Assert.Equal(("when was false", StepStatus.Skipped), (state["gate"].Error, state["gate"].Status));
        Assert.Equal(("every upstream step was skipped", StepStatus.Skipped), (state["after"].Error, state["after"].Status));
        Assert.Equal(StepStatus.Ready, state["beside"].Status);
        Assert.Equal(StepStatus.Pending, state["join"].Status); // a skip by a condition leaves it free to run on its other inputs
    }

    [Fact]
    public void A_matrix_fans_out_one_ready_child_per_combination_and_completes_with_the_best()
    {
        var (state, steps) = Start("""
              sweep:
                uses: test.score@1
                matrix: { x: [1, 3, 2] }
                select: { maximize: "${{ item.score }}" }
                with: { x: "${{ matrix.x }}", y: 1 }
            """);

        steps.Advance(Now);

        var sweep = state["sweep"];
        Assert.Equal(StepStatus.Running, sweep.Status);
        Assert.Equal(["sweep[0]", "sweep[1]", "sweep[2]"], sweep.Children!.Select(c => c.Id));
        Assert.All(sweep.Children!, c => Assert.Equal(StepStatus.Ready, c.Status));
        Assert.Equal(2L, state["sweep[2]"].Matrix!["x"]!.GetValue<long>());

        foreach (var child in sweep.Children!)
        {
            steps.TryTakeReady(out _);
            steps.Claim(child, Owner, Now);
            steps.Complete(child, StepResult.Success(new JsonObject { ["score"] = child.Matrix!["x"]!.GetValue<long>() }, false, null), Now, false, false, null);
            Assert.Equal(StepStatus.Running, sweep.Status); // the matrix completes at the next Advance, not inside a child's completion
        }

        steps.Advance(Now);
        Assert.Equal(StepStatus.Succeeded, sweep.Status);
        Assert.Equal(3L, sweep.Outputs!["best"]!["matrix"]!["x"]!.GetValue<long>());
        Assert.Equal(3, sweep.Outputs!["all"]!.AsArray().Count);
        Assert.Equal(1, sweep.Attempts);
        Assert.True(steps.AllFinished);
    }

    [Fact]
    public void A_matrix_with_a_failed_child_fails_once_every_child_has_finished()
    {
        var (state, steps) = Start("""
              sweep:
                uses: core.noop@1
                matrix: { x: [1, 2] }
            """);
        steps.Advance(Now);
        var (first, second) = (state["sweep[0]"], state["sweep[1]"]);
        steps.Claim(first, Owner, Now);
        steps.Claim(second, Owner, Now);

        steps.Complete(first, StepResult.Failure("no", retryable: false), Now, false, false, null);
        steps.Advance(Now);
        Assert.Equal(StepStatus.Running, state["sweep"].Status);

        steps.Complete(second, Success(), Now, false, false, null);
        steps.Advance(Now);
        Assert.Equal((StepStatus.Failed, "sweep[0] failed: no"), (state["sweep"].Status, state["sweep"].Error));
    }

    [Fact]
    public void Detaching_puts_an_interrupted_attempt_back_to_ready_without_counting_a_failure()
    {
        var (_, steps) = Start(Chain);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        steps.Claim(a, Owner, Now);

        Assert.Equal(StepStatus.Ready, steps.Complete(a, StepResult.Cancellation(), Now, detaching: true, cancelling: false, cancelReason: null));
        Assert.Equal((1, 0, (string?)null), (a.Attempts, a.Failures, a.LeaseOwner));
    }

    [Fact]
    public void Cancelling_cancels_what_does_not_execute_and_ends_the_run_cancelled()
    {
        var (state, steps) = Start(Chain);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        steps.Claim(a, Owner, Now);
        a.Executing = true;

        steps.CancelIdle(Now, reason: null);
        Assert.Equal((StepStatus.Running, StepStatus.Cancelled), (a.Status, state["b"].Status));

        a.Executing = false;
        Assert.Equal(StepStatus.Cancelled, steps.Complete(a, StepResult.Cancellation(), Now, false, cancelling: true, cancelReason: null));
        Assert.True(steps.TryEnd(Now, cancelling: true, cancelReason: null));
        Assert.Equal((RunStatus.Cancelled, "cancelled"), (state.Status, state.Error));
    }

    [Fact]
    public void A_run_taken_over_puts_what_was_running_back_to_ready_unless_it_is_a_dead_letter()
    {
        var (state, steps) = Start(Chain);
        steps.Advance(Now);
        steps.TryTakeReady(out var a);
        steps.Claim(a, "dead:1:0", Now);
        var rows = new RunChanges();
        state.TakeChanges(rows, Owner, null, Now);

        // As a new owner would load it, twice: once resumed, once as the third death in a row.
        var (again, resumed) = Start(Chain);
        again.Load(rows.Steps);
        resumed = new StepTransitions(again);
        resumed.Recover(Now, deadLetter: null);
        Assert.Equal((StepStatus.Ready, 1, (string?)null), (again["a"].Status, again["a"].Attempts, again["a"].LeaseOwner));

        var (dead, lost) = Start(Chain);
        dead.Load(rows.Steps);
        lost = new StepTransitions(dead);
        lost.Recover(Now, deadLetter: 3);
        Assert.Equal(StepStatus.Failed, dead["a"].Status);
        Assert.StartsWith("the process running this step died 3 times in a row", dead["a"].Error);
    }
}
