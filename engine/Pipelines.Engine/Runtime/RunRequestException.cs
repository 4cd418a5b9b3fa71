namespace Pipelines.Runtime;

/// <summary>A run could not be started as asked (invalid params, a retracted or invalid version); every reason is listed.</summary>
public sealed class RunRequestException(IReadOnlyList<string> problems, bool ownedElsewhere = false)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>The run is being executed by another live process: on a shared store, another host took it over first.</summary>
    public bool OwnedElsewhere { get; } = ownedElsewhere;
}
