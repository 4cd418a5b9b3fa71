namespace Pipelines.Engine.Tests.Schedules;

/// <summary>Pipelines with triggers for the scheduler tests.</summary>
public static class SchedulePipelines
{
    /// <summary>One quick step, fired every second with <paramref name="who"/> as its param override.</summary>
    public static string Tick(string name = "tick", string who = "schedule", string extra = "") => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: {{{name}}}
        params:
          who: { type: string, default: world }
        triggers:
          - schedule: "0/1 * * * * ?"
            params: { who: {{{who}}} }{{{extra}}}
        steps:
          greet:
            uses: core.echo@1
            with:
              message: Hello, ${{ params.who }}!
        """;

    /// <summary>A 3 s sleep fired every second; <paramref name="concurrency"/> is the trigger's <c>concurrency:</c>.</summary>
    public static string Nap(string name, string concurrency) => $$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: {{name}}
        triggers:
          - schedule: "0/1 * * * * ?"
            concurrency: {{concurrency}}
        steps:
          nap:
            uses: core.sleep@1
            with:
              seconds: 3
        """;

    /// <summary>Daily at midnight UTC: not due during a test unless missed before it started.</summary>
    public const string Daily = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: five
        triggers:
          - schedule: "0 0 0 * * ?"
        steps:
          ok:
            uses: core.noop@1
        """;
}
