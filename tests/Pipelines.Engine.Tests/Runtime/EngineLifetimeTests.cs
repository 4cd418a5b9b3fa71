using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class EngineLifetimeTests
{
    [Fact]
    public async Task Disposing_the_engine_twice_is_harmless()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var engine = await RunEngine.OpenAsync(harness.DataDirectory, RuntimeHarness.Catalog);

        await engine.DisposeAsync();
        var second = await Record.ExceptionAsync(async () => await engine.DisposeAsync());

        Assert.Null(second);
    }

    [Fact]
    public async Task Executing_an_unknown_run_is_a_request_error()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var error = await Assert.ThrowsAsync<RunRequestException>(() => harness.Engine.ExecuteAsync("0000000000000000"));

        Assert.Contains("no run with id 0000000000000000", error.Problems);
    }
}
