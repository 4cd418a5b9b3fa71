namespace Pipelines.Cli.Tests;

/// <summary>Pipeline files the CLI tests publish and check.</summary>
public static class PipelineFiles
{
    public static string Greeting(string name = "greeting", string message = "Hello") => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: {{{name}}}
          description: Says something
        params:
          who: { type: string, default: world }
        steps:
          greet:
            uses: core.echo@1
            with:
              message: {{{message}}}, ${{ params.who }}!
          pause:
            uses: core.sleep@1
            needs: [greet]
            with:
              seconds: 1

        """;

    /// <summary>Three problems: an unknown activity (line 9), an unknown param (line 15) and an out-of-range input (line 19).</summary>
    public const string Broken = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: broken
        params:
          who: { type: string, default: world }
        steps:
          greet:
            uses: core.ehco@1
            with:
              message: hi
          repeat:
            uses: core.echo@1
            with:
              message: ${{ params.whom }}
          pause:
            uses: core.sleep@1
            with:
              seconds: -1

        """;
}
