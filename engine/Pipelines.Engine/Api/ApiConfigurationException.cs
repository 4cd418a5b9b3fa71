namespace Pipelines.Api;

/// <summary>The server cannot start as configured (an exposed address without tokens, a bad token): what is wrong and the fix.</summary>
public sealed class ApiConfigurationException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}
