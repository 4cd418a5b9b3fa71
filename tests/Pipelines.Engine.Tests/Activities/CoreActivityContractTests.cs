using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Activities;

/// <summary>The control activities' names and inputs are a contract: pipelines in the wild use them.</summary>
public sealed class CoreActivityContractTests
{
    private static readonly ActivityCatalog Catalog = BuiltInActivities.CreateCatalog();

    private static ActivityDescriptor Find(string type) =>
        Catalog.Find(type, 1) ?? throw new Xunit.Sdk.XunitException($"{type}@1 is not in the catalog");

    [Fact]
    public void The_catalog_has_exactly_the_four_control_activities_at_version_one()
    {
        var core = Catalog.All.Where(a => a.Type.StartsWith("core.", StringComparison.Ordinal)).Select(a => a.Uses);

        Assert.Equal(["core.echo@1", "core.fail@1", "core.noop@1", "core.sleep@1"], core.Order(StringComparer.Ordinal));
        Assert.All(core, uses => Assert.Equal("Control", Catalog.Find(uses[..^2], 1)!.Category));
    }

    [Fact]
    public void The_catalog_lists_activities_by_type_then_version()
    {
        var uses = Catalog.All.Select(a => (a.Type, a.Version)).ToList();

        Assert.Equal(uses.OrderBy(u => u.Type, StringComparer.Ordinal).ThenBy(u => u.Version), uses);
        Assert.Equal([1], Catalog.VersionsOf("core.echo"));
        Assert.Null(Catalog.Find("core.echo", 2));
        Assert.Null(Catalog.Find("core.nope", 1));
    }

    [Fact]
    public void Echo_takes_a_required_message_and_returns_it()
    {
        var echo = Find("core.echo");

        var input = Assert.Single(echo.Inputs);
        Assert.Equal(("message", ValueKind.String, true), (input.Name, input.Shape.Kind, input.Required));
        Assert.Null(input.Default);
        Assert.False(input.Sensitive);
        Assert.NotEmpty(input.Description);
        var output = Assert.Single(echo.Outputs);
        Assert.Equal(("message", ValueKind.String), (output.Name, output.Shape.Kind));
        Assert.Same(input, echo.Input("message"));
        Assert.Same(output, echo.Output("message"));
    }

    [Fact]
    public void Sleep_takes_required_seconds_from_zero_to_a_day()
    {
        var sleep = Find("core.sleep");

        var seconds = Assert.Single(sleep.Inputs);
        Assert.Equal(("seconds", ValueKind.Number, true), (seconds.Name, seconds.Shape.Kind, seconds.Required));
        Assert.Equal(0, seconds.Minimum);
        Assert.Equal(86_400, seconds.Maximum);
        Assert.Null(seconds.Default);
        Assert.Empty(sleep.Outputs);
    }

    [Fact]
    public void Fail_takes_an_optional_message_with_a_default()
    {
        var fail = Find("core.fail");

        var message = Assert.Single(fail.Inputs);
        Assert.Equal(("message", ValueKind.String, false), (message.Name, message.Shape.Kind, message.Required));
        Assert.Equal("failed on purpose (core.fail)", message.Default!.GetValue<string>());
        Assert.Empty(fail.Outputs);
    }

    [Fact]
    public void Noop_takes_nothing_and_returns_nothing()
    {
        var noop = Find("core.noop");

        Assert.Empty(noop.Inputs);
        Assert.Empty(noop.Outputs);
        Assert.Equal("core.noop@1", noop.Uses);
    }

    [Fact]
    public void Every_activity_is_described_and_every_port_too()
    {
        Assert.All(Catalog.All, a =>
        {
            Assert.NotEmpty(a.Description);
            Assert.All(a.Inputs.Concat(a.Outputs), p => Assert.False(string.IsNullOrWhiteSpace(p.Description), $"{a.Uses} {p.Name}"));
        });
    }
}
