using System.Diagnostics;

namespace Pipelines.Cli.Tests;

/// <summary>The <c>bin/pipelines</c> script at the repository root, run as a user runs it.</summary>
public sealed class WrapperScriptTests
{
    [Fact]
    public async Task Validates_the_hello_example()
    {
        var root = Repository.Root;
        var start = new ProcessStartInfo("bash", ["bin/pipelines", "validate", "pipelines/hello.yaml"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("PIPELINES_DATA");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The first run may build the CLI.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{errors}");
        Assert.Equal("ok hello", output.TrimEnd('\n'));
        Assert.DoesNotContain("   at ", output + errors);
    }
}
