namespace Pipelines.Expressions;

/// <summary>An expression failed at run time (a JavaScript error, or a sandbox limit was hit).</summary>
public sealed class ExpressionException(string expression, string message, Exception? inner = null)
    : Exception($"expression '{expression}' failed: {message}", inner)
{
    public string Expression { get; } = expression;

    public string Reason { get; } = message;
}
