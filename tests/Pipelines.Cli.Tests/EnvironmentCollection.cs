namespace Pipelines.Cli.Tests;

/// <summary>Tests that change process environment variables; they run alone so no other test sees the change.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}
