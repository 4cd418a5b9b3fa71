using System.Runtime.CompilerServices;
using Acornima.Ast;

namespace Pipelines.Expressions;

/// <summary>
/// Walks an expression's syntax tree and records every free name it reads, with the static member path after it.
/// Names bound inside the expression (arrow-function parameters, local declarations) are not free.
/// </summary>
internal sealed class ReferenceCollector
{
    private readonly HashSet<string> _locals = new(StringComparer.Ordinal);
    private readonly List<ExpressionReference> _references = [];

    public IReadOnlyList<ExpressionReference> References => _references;

    public void Collect(Node root)
    {
        CollectBindings(root);
        Visit(root);
    }

    private void CollectBindings(Node node)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case ArrowFunctionExpression arrow:
                foreach (var p in arrow.Params) AddPattern(p);
                break;
            case FunctionExpression function:
                foreach (var p in function.Params) AddPattern(p);
                break;
            case VariableDeclarator declarator:
                AddPattern(declarator.Id);
                break;
            case CatchClause { Param: { } param }:
                AddPattern(param);
                break;
        }

        foreach (var child in node.ChildNodes) CollectBindings(child);
    }

    private void AddPattern(Node pattern)
    {
        if (pattern is Identifier id)
        {
            _locals.Add(id.Name);
            return;
        }

        foreach (var child in pattern.ChildNodes)
        {
            if (pattern is Property { Computed: false } property && ReferenceEquals(child, property.Key) && !property.Shorthand) continue;
            AddPattern(child);
        }
    }

    private void Visit(Node node)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case MemberExpression member:
                if (TryPath(member, out var reference))
                {
                    _references.Add(reference);
                    VisitComputedParts(member);
                    return;
                }

                Visit(member.Object);
                if (member.Computed) Visit(member.Property);
                return;
            case Identifier identifier:
                if (!_locals.Contains(identifier.Name))
                {
                    _references.Add(new ExpressionReference(new PathSegment(identifier.Name, identifier.Start), []));
                }

                return;
            case Property { Computed: false } property:
                Visit(property.Value);
                return;
        }

        foreach (var child in node.ChildNodes) Visit(child);
    }

    /// <summary>Visits the dynamic indexes of a member chain (e.g. <c>x</c> in <c>steps.a.outputs[x]</c>).</summary>
    private void VisitComputedParts(MemberExpression member)
    {
        for (Node current = member; current is MemberExpression m; current = m.Object)
        {
            if (m.Computed && m.Property is not (StringLiteral or NumericLiteral)) Visit(m.Property);
        }
    }

    /// <summary>A chain such as <c>a.b['c'].d</c> rooted at a free name, cut at the first dynamic index.</summary>
    private bool TryPath(MemberExpression member, out ExpressionReference reference)
    {
        var segments = new List<PathSegment>();
        Node current = member;
        while (current is MemberExpression m)
        {
            switch (m.Property)
            {
                case Identifier name when !m.Computed:
                    segments.Add(new PathSegment(name.Name, name.Start));
                    break;
                case StringLiteral text when m.Computed:
                    segments.Add(new PathSegment(text.Value, text.Start + 1));
                    break;
                case NumericLiteral number when m.Computed:
                    segments.Add(new PathSegment(number.Raw, number.Start));
                    break;
                default:
                    segments.Clear(); // a dynamic index: only the part before it is static
                    break;
            }

            current = m.Object;
        }

        if (current is Identifier root && !_locals.Contains(root.Name))
        {
            segments.Reverse();
            reference = new ExpressionReference(new PathSegment(root.Name, root.Start), segments);
            return true;
        }

        reference = null!;
        return false;
    }
}
