namespace Pipelines.Expressions;

/// <summary>One name in a path such as <c>steps.train.outputs.adapter</c>, with its offset in the expression.</summary>
public readonly record struct PathSegment(string Name, int Offset);

/// <summary>
/// A read of the context, e.g. <c>steps.train.outputs.adapter</c>: the root name and the statically known
/// segments after it (a computed segment such as <c>steps[x]</c> ends the path).
/// </summary>
public sealed record ExpressionReference(PathSegment Root, IReadOnlyList<PathSegment> Path)
{
    public string RootName => Root.Name;

    public override string ToString() => string.Join('.', new[] { Root.Name }.Concat(Path.Select(p => p.Name)));
}
