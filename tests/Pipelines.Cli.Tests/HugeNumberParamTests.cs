namespace Pipelines.Cli.Tests;

/// <summary>A number param the command line cannot hold as a number is a mistake in the command, not a crash when the run is stored.</summary>
public sealed class HugeNumberParamTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("Infinity")]
    [InlineData("NaN")]
    public async Task A_number_param_that_is_not_finite_is_a_user_error(string value)
    {
        var file = _workspace.Write("ratio.yaml", """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: ratio
            params:
              ratio: { type: number, default: 0.5 }
            steps:
              say:
                uses: core.echo@1
                with:
                  message: ratio ${{ params.ratio }}
            """);

        var result = await _workspace.RunAsync("run", file, "-p", $"ratio={value}");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"error: param 'ratio': '{value}' is not a number", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }
}
