namespace Pipelines.Cli.Tests;

/// <summary>
/// An output the user names (<c>--out</c>, <c>-o</c>) that cannot be written is theirs to fix: exit 2 and one line
/// naming why, before any work is done. Paths under a regular file or in /proc are unwritable even for root.
/// </summary>
public sealed class UnwritableOutputTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("model", "init", "--arch", "llama", "--out", "OUT")]
    [InlineData("model", "merge", "--model", "no-model", "--adapter", "no-adapter", "--out", "OUT")]
    [InlineData("schema", "-o", "OUT")]
    public async Task An_output_under_a_file_names_that_file(params string[] command)
    {
        var file = _workspace.Write("not-a-folder", "text");
        var output = Path.Combine(file, "result");

        var result = await _workspace.RunAsync([.. command.Select(a => a == "OUT" ? output : a)]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains(output, line, StringComparison.Ordinal);
        Assert.Contains($"{file} is a file, not a folder", line, StringComparison.Ordinal);
        Assert.DoesNotContain("bug", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_output_where_nothing_can_be_created_is_a_user_error()
    {
        var result = await _workspace.RunAsync("model", "init", "--arch", "gpt2", "--out", "/proc/pipelines-test-model");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: cannot write --out /proc/pipelines-test-model", line, StringComparison.Ordinal);
        Assert.DoesNotContain("bug", line, StringComparison.Ordinal);
    }
}
