namespace Pipelines.Cli.Tests;

public sealed class HelpAndUsageErrorTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static readonly string[] CommandNames = ["validate", "schema", "publish", "versions", "show", "diff", "retract", "activities", "run", "runs", "artifacts", "serve", "worker"];

    public static TheoryData<string> Commands => new(CommandNames);

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Every_command_prints_its_usage_with_help(string command)
    {
        var result = await _workspace.RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Out);
        // In process the root command is named after the test host, so only the command name is checked.
        Assert.Matches($@"Usage:\s+\S+ {command}\b", result.Out);
        Assert.Empty(result.Error);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-?")]
    public async Task Short_help_flags_work_too(string flag)
    {
        var result = await _workspace.RunAsync("show", flag);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Out);
    }

    [Fact]
    public async Task The_root_help_lists_every_command()
    {
        var result = await Cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.All(CommandNames, c => Assert.Contains(c, result.Out));
        Assert.Contains("--data-dir", result.Out);
    }

    [Fact]
    public async Task An_unknown_command_is_a_one_line_error()
    {
        var result = await _workspace.RunAsync("frobnicate");

        Assert.Equal(2, result.ExitCode);
        AssertOneErrorLine(result, "frobnicate");
    }

    [Theory]
    [InlineData("show", "foo@x")]
    [InlineData("show", "Foo")]
    [InlineData("versions", "foo@0")]
    [InlineData("retract", "foo@-1")]
    [InlineData("diff", "foo@1", "foo@x")]
    public async Task A_bad_reference_is_a_one_line_error(params string[] args)
    {
        var result = await _workspace.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        AssertOneErrorLine(result, "is not a pipeline reference");
    }

    [Fact]
    public async Task An_unknown_option_is_a_one_line_error()
    {
        var result = await _workspace.RunAsync("schema", "--colour");

        Assert.Equal(2, result.ExitCode);
        AssertOneErrorLine(result, "--colour");
    }

    [Fact]
    public async Task No_command_at_all_points_to_help()
    {
        var result = await _workspace.RunAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--help", result.Error);
    }

    [Fact]
    public async Task A_worker_without_the_shared_store_says_how_to_give_it_one()
    {
        var result = await _workspace.RunAsync("worker");

        Assert.NotEqual(0, result.ExitCode);
        AssertOneErrorLine(result, "a worker needs the shared store; give --store postgres://");
    }

    [Fact]
    public async Task A_worker_with_a_malformed_pool_name_is_told_the_form()
    {
        var result = await _workspace.RunAsync("worker", "--store", "postgres://nobody@127.0.0.1:1/none", "--pool", "GPU!");

        Assert.NotEqual(0, result.ExitCode);
        AssertOneErrorLine(result, "--pool 'GPU!' is not a pool name");
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("runs")]
    public async Task A_store_that_cannot_be_reached_is_a_one_line_error_naming_it_without_the_password(string command)
    {
        // Nothing listens on port 1: the connection is refused at once.
        var result = await _workspace.RunAsync(command, "--store", "postgres://someone:hunter2secret@127.0.0.1:1/pipelines");

        Assert.NotEqual(0, result.ExitCode);
        AssertOneErrorLine(result, "cannot use the store postgres://someone@127.0.0.1:1/pipelines");
        Assert.DoesNotContain("hunter2secret", result.ToString());
        Assert.Contains("--store", result.ErrorLines.Single(l => l.StartsWith("error:", StringComparison.Ordinal)));
    }

    /// <summary>One <c>error:</c> line naming the problem (a usage hint may follow it), no trace, nothing on stdout.</summary>
    private static void AssertOneErrorLine(CliResult result, string mentions)
    {
        var errors = result.ErrorLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, result.ToString());
        Assert.Contains(mentions, errors[0]);
        Assert.True(result.ErrorLines.Length <= 2, result.ToString());
        Assert.Empty(result.Out);
    }
}
