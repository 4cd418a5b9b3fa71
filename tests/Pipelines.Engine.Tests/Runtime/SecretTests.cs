using System.Text;
using Microsoft.Data.Sqlite;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class SecretTests
{
    private const string Secret = "s3cr3t-value";

    [Fact]
    public async Task A_secret_used_in_a_step_is_masked_in_stored_inputs_outputs_and_logs()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: secretive }
            steps:
              call:
                uses: core.echo@1
                with:
                  message: "token=${{ secrets.token }}"
              relay:
                uses: core.echo@1
                with:
                  message: "got ${{ steps.call.outputs.message }}"
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions
        {
            MaxParallel = 2,
            Secrets = new Dictionary<string, string> { ["token"] = Secret },
        });
        using var events = harness.Engine.Events.Subscribe(null);

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Succeeded, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("""{"message":"token=***"}""", steps["call"].Inputs);
        Assert.Equal("""{"message":"token=***"}""", steps["call"].Outputs);
        Assert.Equal("""{"message":"got token=***"}""", steps["relay"].Outputs);
        var logs = await harness.Engine.Runs.GetLogsAsync(id, null, CancellationToken.None);
        Assert.Contains(logs, l => l.Line == "token=***");
        Assert.DoesNotContain(logs, l => l.Line.Contains(Secret, StringComparison.Ordinal));

        events.Dispose();
        await foreach (var e in events.Reader.ReadAllAsync())
        {
            Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        }

        // Nowhere in the data directory: not the database, not its write-ahead log.
        await harness.CloseAsync();
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(harness.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Secret)) >= 0, $"{file} holds the secret");
        }
    }

    [Fact]
    public async Task A_secret_in_a_failure_message_is_masked_in_the_step_and_run_errors()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: secret-failure }
            steps:
              call:
                uses: core.fail@1
                with:
                  message: "rejected token ${{ secrets.token }}"
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { Secrets = new Dictionary<string, string> { ["token"] = Secret } });

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        Assert.Equal("rejected token ***", (await harness.StepAsync(id, "call")).Error);
        Assert.DoesNotContain(Secret, (await harness.RunRowAsync(id)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_quoted_by_an_expression_error_is_masked()
    {
        // JSON.parse quotes the text it could not parse: the step's error must not carry the secret.
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: secret-expression-error }
            steps:
              call:
                uses: core.echo@1
                with:
                  message: "${{ JSON.parse(secrets.token) }}"
              guarded:
                uses: core.noop@1
                when: "${{ JSON.parse(secrets.token) }}"
            """;
        await using var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { Secrets = new Dictionary<string, string> { ["token"] = Secret } });

        var (id, status) = await harness.RunAsync(yaml);

        Assert.Equal(RunStatus.Failed, status);
        var steps = await harness.StepsAsync(id);
        Assert.Equal("failed", steps["call"].Status);
        Assert.Equal("failed", steps["guarded"].Status);
        Assert.DoesNotContain(Secret, steps["call"].Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, steps["guarded"].Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, (await harness.RunRowAsync(id)).Error, StringComparison.Ordinal);
    }
}
