using System.Reflection;

namespace Pipelines.Activities;

/// <summary>The activities a host knows, by type and major version.</summary>
public sealed class ActivityCatalog
{
    private readonly Dictionary<(string Type, int Version), ActivityDescriptor> _byUses = [];

    public ActivityCatalog(IEnumerable<ActivityDescriptor> descriptors)
    {
        foreach (var descriptor in descriptors)
        {
            if (!_byUses.TryAdd((descriptor.Type, descriptor.Version), descriptor))
            {
                throw new InvalidOperationException($"activity {descriptor.Uses} is declared twice");
            }
        }

        All = _byUses.Values.OrderBy(d => d.Type, StringComparer.Ordinal).ThenBy(d => d.Version).ToList();
    }

    /// <summary>Every descriptor, ordered by type then version.</summary>
    public IReadOnlyList<ActivityDescriptor> All { get; }

    /// <summary>Finds every class marked <see cref="ActivityAttribute"/> in the given assemblies.</summary>
    public static ActivityCatalog FromAssemblies(params Assembly[] assemblies) =>
        new(assemblies.SelectMany(a => a.GetTypes())
                      .Where(t => t is { IsAbstract: false, IsClass: true } && t.GetCustomAttribute<ActivityAttribute>() is not null)
                      .Select(ActivityDescriber.Describe));

    public ActivityDescriptor? Find(string type, int version) => _byUses.GetValueOrDefault((type, version));

    public IReadOnlyList<int> VersionsOf(string type) =>
        _byUses.Keys.Where(k => k.Type == type).Select(k => k.Version).Order().ToList();

    public IEnumerable<string> Types => _byUses.Keys.Select(k => k.Type).Distinct();
}
