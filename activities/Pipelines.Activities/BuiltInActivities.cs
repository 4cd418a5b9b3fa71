using System.Reflection;

namespace Pipelines.Activities;

/// <summary>The catalog of every activity this assembly ships.</summary>
public static class BuiltInActivities
{
    public static Assembly Assembly => typeof(BuiltInActivities).Assembly;

    public static ActivityCatalog CreateCatalog() => ActivityCatalog.FromAssemblies(Assembly);
}
