using System.Text.Json.Nodes;
using System.Text;
using Microsoft.Data.Sqlite;
using Pipelines.Runtime;
using Pipelines.Reviews;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class SecretTests
{
    private const string Secret = "s3cr3t-value";

    [Fact]
    public void Sealed_secrets_travel_as_names_and_unseal_to_the_values_of_the_process_that_has_them()
    {
        var coordinator = new SecretMask(new Dictionary<string, string> { ["token"] = "hunter2-token", ["other"] = "abc+def&ghi\"x" });
        var worker = new SecretMask(new Dictionary<string, string> { ["token"] = "hunter2-token" });
        var inputs = new JsonObject
        {
            ["header"] = "Bearer hunter2-token",
            ["list"] = new JsonArray("abc+def&ghi\"x", 3),
            ["hunter2-token"] = true,
        };

        var sealedText = coordinator.Seal(inputs)!.ToJsonString();
        var unsealed = worker.Unseal(JsonNode.Parse(sealedText), out var missing)!;

        Assert.DoesNotContain("hunter2", sealedText);
        Assert.DoesNotContain("abc+def", System.Text.RegularExpressions.Regex.Unescape(sealedText));
        Assert.Equal("Bearer hunter2-token", (string)unsealed["header"]!);
        Assert.True((bool)unsealed["hunter2-token"]!);
        Assert.Equal(["other"], missing); // this worker lacks it: the token stays, and the caller says which
        Assert.Equal(3, (int)unsealed["list"]![1]!);
        Assert.Equal(inputs.ToJsonString(), coordinator.Unseal(JsonNode.Parse(sealedText), out var none)!.ToJsonString());
        Assert.Empty(none);
    }

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

    // Hostile pipelines: each tries to get the secret into what is stored, logged or published.

    [Theory]
    [InlineData("""
        steps:
          call:
            uses: core.echo@1
            with:
              message: ${{ null[secrets.token] }}
        """, "call", "input 'message': Cannot read properties of null (reading '***')")]
    [InlineData("""
        steps:
          call:
            uses: core.noop@1
            when: ${{ null[secrets.token] }}
        """, "call", "when: Cannot read properties of null (reading '***')")]
    [InlineData("""
        steps:
          call:
            uses: test.score@1
            matrix: { x: [1, 2] }
            select: { minimize: "${{ null[secrets.token] }}" }
            with: { x: "${{ matrix.x }}", y: 1 }
        """, "call", "select: Cannot read properties of null (reading '***')")]
    [InlineData("""
        steps:
          call:
            uses: core.echo@1
            with:
              message: ${{ (() => { throw secrets.token })() }}
        """, "call", "input 'message': ***")]
    public async Task A_secret_quoted_by_an_expression_error_is_masked_in_the_stored_step_and_run_errors(string steps, string step, string error)
    {
        var (harness, id) = await RunLeakAsync(steps);
        await using var _ = harness;

        Assert.Equal(error, (await harness.StepAsync(id, step)).Error);
        Assert.Equal($"step '{step}' failed: {error}", (await harness.RunRowAsync(id)).Error);
    }

    [Fact]
    public async Task A_secret_as_a_matrix_value_is_masked_in_the_stored_matrix_and_outputs_but_reaches_the_step()
    {
        var (harness, id) = await RunLeakAsync("""
            steps:
              fan:
                uses: core.echo@1
                matrix: { token: "${{ [secrets.token] }}" }
                with:
                  message: "length ${{ matrix.token.length }}"
            """);
        await using var _ = harness;

        var steps = await harness.StepsAsync(id);
        Assert.Equal("""{"token":"***"}""", steps["fan[0]"].Matrix);
        Assert.Equal("""{"message":"length 12"}""", steps["fan[0]"].Outputs);
        Assert.Equal("***", RuntimeHarness.Outputs(steps["fan"])["all"]![0]!["matrix"]!["token"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_secret_name_is_read_in_any_case()
    {
        var (harness, id) = await RunLeakAsync("""
            steps:
              call:
                uses: core.echo@1
                with:
                  message: "${{ secrets.TOKEN === secrets.token && secrets.Token === secrets.token && 'TOKEN' in secrets ? 'same' : 'different' }}"
            """);
        await using var _ = harness;

        Assert.Equal("""{"message":"same"}""", (await harness.StepAsync(id, "call")).Outputs);
    }

    [Fact]
    public async Task Reading_a_secret_that_is_not_set_fails_the_step_naming_it_and_its_variable()
    {
        var (harness, id) = await RunLeakAsync("""
            steps:
              call:
                uses: core.echo@1
                with:
                  message: "${{ 'api_key' in secrets ? 'optional ok' : 'absent' }} ${{ secrets.API_KEY }}"
            """);
        await using var _ = harness;

        var step = await harness.StepAsync(id, "call");
        Assert.Equal("failed", step.Status);
        Assert.Equal("input 'message': secrets.API_KEY is not set: set the environment variable PIPELINES_SECRET_API_KEY where the run executes "
                     + "(pipelines run, runs resume or serve); secrets set: token", step.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1234567")]
    public async Task An_engine_refuses_a_secret_too_short_to_mask(string value)
    {
        using var directory = new Persistence.TemporaryDataDirectory();
        var options = new RuntimeOptions { Secrets = new Dictionary<string, string> { ["token"] = Secret, ["pin"] = value } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => RunEngine.OpenAsync(directory.Path, RuntimeHarness.Catalog, options));

        Assert.StartsWith($"secrets.pin is {value.Length} characters long; secrets must have at least 8", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs <paramref name="steps"/> with secret <c>token</c> set while listening to every event, and asserts the
    /// secret is in none of them, nor in any file of the data directory (the database and its write-ahead log).
    /// </summary>
    /// <summary>
    /// Runs <paramref name="steps"/> with the secret set, and checks that no event, log line or file of the data
    /// directory holds it; the activities' tests use it with their catalog.
    /// </summary>
    public static async Task<(RuntimeHarness Harness, string Id)> RunLeakAsync(string steps, Pipelines.Activities.ActivityCatalog? activities = null)
    {
        var yaml = "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: { name: leak }\n" + steps;
        var harness = await RuntimeHarness.StartAsync(new RuntimeOptions { Secrets = new Dictionary<string, string> { ["token"] = Secret } }, activities: activities);
        using var events = harness.Engine.Events.Subscribe(null);
        var (id, _) = await harness.RunAsync(yaml);
        events.Dispose();
        await foreach (var e in events.Reader.ReadAllAsync())
        {
            Assert.DoesNotContain(Secret, System.Text.Json.JsonSerializer.Serialize<object>(e), StringComparison.Ordinal);
        }

        var logs = await harness.Engine.Runs.GetLogsAsync(id, null, CancellationToken.None);
        Assert.DoesNotContain(logs, l => l.Line.Contains(Secret, StringComparison.Ordinal));
        await harness.ReopenAsync(); // checkpoints the write-ahead log into the database file
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(harness.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Secret)) >= 0, $"{file} holds the secret");
        }

        return (harness, id);
    }
}
