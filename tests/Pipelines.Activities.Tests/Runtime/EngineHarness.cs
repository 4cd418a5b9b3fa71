using Pipelines.Engine.Tests.Runtime;

namespace Pipelines.Activities.Tests.Runtime;

/// <summary>
/// The catalog the activities' end-to-end tests run the engine's <see cref="RuntimeHarness"/> with: every built-in
/// activity, and the engine tests' test activities for the steps around the one under test.
/// </summary>
public static class EngineHarness
{
    public static ActivityCatalog Catalog { get; } = ActivityCatalog.FromAssemblies(BuiltInActivities.Assembly, typeof(RuntimeHarness).Assembly);
}
