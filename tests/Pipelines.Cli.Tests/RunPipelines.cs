using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests;

/// <summary>Small pipelines the run tests execute in milliseconds, and helpers to read what the CLI printed about runs.</summary>
public static partial class RunPipelines
{
    /// <summary>Greets, naps 10 ms, greets again; steps listed out of alphabetical order.</summary>
    public const string Hello = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: hello
        params:
          who: { type: string, default: world }
          times: { type: integer, default: 1 }
        steps:
          greet:
            uses: core.echo@1
            with:
              message: Hello, ${{ params.who }}!
          pause:
            uses: core.sleep@1
            with:
              seconds: 0.01
          again:
            uses: core.echo@1
            needs: [pause]
            with:
              message: ${{ steps.greet.outputs.message }} (again)

        """;

    /// <summary>A step that always fails, retried twice 10 ms apart, and a step that is never run.</summary>
    public const string Failing = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: failing
        steps:
          boom:
            uses: core.fail@1
            retry: { max: 2, backoff: 10ms }
            with:
              message: it broke
          notify:
            uses: core.echo@1
            when: false
            with:
              message: never

        """;

    /// <summary>A matrix step between two plain ones, the matrix step written first.</summary>
    public const string Matrix = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: matrix
        steps:
          zeta:
            uses: core.echo@1
            with:
              message: first
          sweep:
            uses: core.echo@1
            needs: [zeta]
            matrix: { n: [1, 2, 3] }
            with:
              message: n=${{ matrix.n }}
          alpha:
            uses: core.noop@1
            needs: [sweep]

        """;

    /// <summary>Echoes, then sleeps long enough to be cancelled or interrupted, then echoes again.</summary>
    public const string Napper = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: napper
        steps:
          first:
            uses: core.echo@1
            with:
              message: starting
          nap:
            uses: core.sleep@1
            needs: [first]
            with:
              seconds: 30
          last:
            uses: core.echo@1
            needs: [nap]
            with:
              message: done

        """;

    /// <summary>The id from the first line a run prints, <c>run ID</c>.</summary>
    public static string RunId(CliResult result)
    {
        var match = FirstLine().Match(result.OutLines.FirstOrDefault() ?? "");
        Assert.True(match.Success, $"the first line is not `run <id>`:\n{result}");
        return match.Groups[1].Value;
    }

    /// <summary>The review id from <c>waits on review ID</c>, as the printed commands and the terminal's offer say it.</summary>
    public static string ReviewId(string printed) =>
        WaitsOnReview().Match(printed) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no `waits on review` in:\n{printed}");

    /// <summary>The run ids in the order a <c>runs</c> table lists them.</summary>
    public static List<string> ListedIds(CliResult result) =>
        result.OutLines.Select(l => TableId().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    public static async Task<JsonObject> ShowJsonAsync(Workspace workspace, string runId)
    {
        var shown = await workspace.RunAsync("runs", "show", runId, "--json");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        return JsonNode.Parse(shown.Out)!.AsObject();
    }

    public static JsonObject Step(JsonObject run, string id) =>
        run["steps"]!.AsArray().Select(s => s!.AsObject()).Single(s => (string?)s["id"] == id);

    /// <summary>Polls <c>runs</c> until a run of <see cref="Napper"/> is in its nap; returns its id.</summary>
    public static async Task<string> WaitUntilNappingAsync(Workspace workspace)
    {
        const string pipeline = "napper";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            var listed = await workspace.RunAsync("runs", "--pipeline", pipeline, "--status", "running");
            if (ListedIds(listed) is [var id, ..])
            {
                // Running means the coordinator committed its claim; wait for the step to be under way too.
                var steps = await ShowJsonAsync(workspace, id);
                if ((string?)Step(steps, "nap")["status"] == "running") return id;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no run of {pipeline} started running within 20s");
    }

    [GeneratedRegex(@"waits on review ([0-9a-z]{10})\b")]
    private static partial Regex WaitsOnReview();

    [GeneratedRegex("^run ([0-9a-z]{16})$")]
    private static partial Regex FirstLine();

    [GeneratedRegex(@"^\s+([0-9a-hjkmnp-tv-z]{16})\s")]
    private static partial Regex TableId();
}
