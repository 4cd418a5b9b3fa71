namespace Pipelines.Cli.Tests;

/// <summary>Secrets come from <c>PIPELINES_SECRET_*</c> variables; ones that cannot be masked stop `run` and `serve` before anything starts.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class SecretEnvironmentTests : IDisposable
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: keyed }
        steps:
          call:
            uses: core.echo@1
            with:
              message: "key=${{ secrets.API_KEY }}"
        """;

    private readonly Workspace _workspace = new();
    private readonly List<string> _set = [];

    public void Dispose()
    {
        foreach (var variable in _set) Environment.SetEnvironmentVariable(variable, null);
        _workspace.Dispose();
    }

    private void Set(string variable, string value)
    {
        _set.Add(variable);
        Environment.SetEnvironmentVariable(variable, value);
    }

    [Fact]
    public async Task Run_refuses_a_secret_too_short_to_mask_naming_its_variable_before_anything_runs()
    {
        Set("PIPELINES_SECRET_API_KEY", "0123456789abcdef");
        Set("PIPELINES_SECRET_PIN", "4711");

        var result = await _workspace.RunAsync("run", _workspace.Write("keyed.yaml", Pipeline));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: PIPELINES_SECRET_PIN is 4 characters long; secrets must have at least 8", line, StringComparison.Ordinal);
        Assert.DoesNotContain("4711", line, StringComparison.Ordinal);
        Assert.Contains("no runs yet", (await _workspace.RunAsync("runs")).All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_secret_too_short_to_mask()
    {
        Set("PIPELINES_SECRET_PIN", "4711");

        // Bounded: a server that started anyway would serve until cancelled.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["--data-dir", _workspace.DataDirectory, "serve", "--urls", "http://127.0.0.1:0"], TextWriter.Null, error, bound.Token);

        Assert.Equal(2, code);
        Assert.StartsWith("error: PIPELINES_SECRET_PIN is 4 characters long", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_variables_that_differ_only_in_case_are_refused_as_the_same_secret()
    {
        Set("PIPELINES_SECRET_API_KEY", "0123456789abcdef");
        Set("PIPELINES_SECRET_api_key", "fedcba9876543210");

        var result = await _workspace.RunAsync("run", _workspace.Write("keyed.yaml", Pipeline));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("PIPELINES_SECRET_API_KEY and PIPELINES_SECRET_api_key name the same secret", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_from_the_environment_is_read_by_its_name_in_upper_case_and_masked_in_the_logs()
    {
        Set("PIPELINES_SECRET_API_KEY", "0123456789abcdef");

        var run = await _workspace.RunAsync("run", _workspace.Write("keyed.yaml", Pipeline));
        var logs = await _workspace.RunAsync("runs", "logs", RunPipelines.RunId(run));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("key=***", logs.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", run.All + logs.All, StringComparison.Ordinal);
    }
}
