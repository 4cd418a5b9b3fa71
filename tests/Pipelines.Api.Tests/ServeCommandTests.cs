using Pipelines.Cli;

namespace Pipelines.Api.Tests;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_refuses_a_public_address_without_tokens()
    {
        var data = Directory.CreateTempSubdirectory("pipelines-api-test-").FullName;
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = await CliApp.RunAsync(["serve", "--urls", "http://0.0.0.0:5099", "--data-dir", Path.Combine(data, "d")], output, error);

            Assert.Equal(2, code);
            var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("http://0.0.0.0:5099", line, StringComparison.Ordinal);
            Assert.Contains("Auth:Tokens", line, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(data, "d")), "nothing is created before the checks pass");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Models_serve_starts_serve_with_each_argument_as_a_model()
    {
        var data = Directory.CreateTempSubdirectory("pipelines-api-test-").FullName;
        try
        {
            var error = new StringWriter();
            var code = await CliApp.RunAsync(["models", "serve", "nope@production", "--urls", $"http://127.0.0.1:{TestServer.FreePort()}", "--data-dir", data],
                new StringWriter(), error);
            var usage = new StringWriter();
            var none = await CliApp.RunAsync(["models", "serve", "--data-dir", data], new StringWriter(), usage);

            Assert.Equal(2, code);
            Assert.Contains("Serving:Models: cannot serve 'nope@production': no model named 'nope' is registered", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, none);
            Assert.Contains("pipelines model serve --help", usage.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_says_what_is_wrong_with_a_schedule_store_and_never_prints_its_password()
    {
        var data = Directory.CreateTempSubdirectory("pipelines-api-test-").FullName;
        try
        {
            var malformed = new StringWriter();
            var code = await CliApp.RunAsync(["serve", "--schedule-store", "postgres://app:Secret-1@db:99999/pipelines", "--data-dir", Path.Combine(data, "d")],
                new StringWriter(), malformed);
            Assert.Equal(2, code);
            Assert.Contains("--schedule-store is not a usable PostgreSQL address: the port 99999 of host db is not a number from 1 to 65535", malformed.ToString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(data, "d")), "nothing is created before the checks pass");

            // Nothing listens on port 1: the server stops at start-up, naming the store without its password.
            var unreachable = new StringWriter();
            code = await CliApp.RunAsync(["serve", "--schedule-store", "postgres://app:Secret-1@127.0.0.1:1/pipelines", "--urls", $"http://127.0.0.1:{TestServer.FreePort()}",
                "--data-dir", data], new StringWriter(), unreachable);
            Assert.Equal(2, code);
            Assert.Contains("error: cannot use the schedule store postgres://app@127.0.0.1:1/pipelines: ", unreachable.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Secret-1", malformed.ToString() + unreachable.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_has_usage_and_checks_max_parallel()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await CliApp.RunAsync(["serve", "--help"], output, error));
        Assert.Contains("--urls", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--max-parallel", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--schedule-store", output.ToString(), StringComparison.Ordinal);

        var data = Path.Combine(Path.GetTempPath(), $"pipelines-api-test-{Guid.NewGuid():N}");
        error = new StringWriter();
        Assert.Equal(2, await CliApp.RunAsync(["serve", "--max-parallel", "0", "--data-dir", data], new StringWriter(), error));
        Assert.Contains("--max-parallel must be 1 or more", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }
}
