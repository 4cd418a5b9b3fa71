namespace Pipelines.Runtime;

/// <summary>A run could not be started as asked (invalid params, a retracted or invalid version); every reason is listed.</summary>
public sealed class RunRequestException(IReadOnlyList<string> problems)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
