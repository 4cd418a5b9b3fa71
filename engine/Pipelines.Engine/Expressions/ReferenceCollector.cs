using System.Runtime.CompilerServices;
using Acornima.Ast;

namespace Pipelines.Expressions;

/// <summary>
/// Walks an expression's syntax tree and records every free name it reads, with the static member path after it.
/// Names bound by a function (its parameters and declarations) are local to that function only.
/// </summary>
internal sealed class ReferenceCollector
{
    private readonly List<HashSet<string>> _scopes = [];
    private readonly List<ExpressionReference> _references = [];

    public IReadOnlyList<ExpressionReference> References => _references;

    /// <summary>The first construct an expression may not use (<c>import()</c>, <c>import.meta</c>), if any.</summary>
    public ExpressionError? Forbidden { get; private set; }

    public void Collect(Node root) => Visit(root);

    private bool IsLocal(string name) => _scopes.Any(scope => scope.Contains(name));

    private void Visit(Node node)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case ArrowFunctionExpression or FunctionExpression or FunctionDeclaration:
                VisitFunction(node);
                return;
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
                if (!IsLocal(identifier.Name))
                {
                    _references.Add(new ExpressionReference(new PathSegment(identifier.Name, identifier.Start), []));
                }

                return;
            case Property { Computed: false } property:
                Visit(property.Value);
                return;
            case ImportExpression or MetaProperty { Meta.Name: "import" }:
                Forbidden ??= new ExpressionError("modules cannot be imported in expressions", node.Start);
                return;
        }

        foreach (var child in node.ChildNodes) Visit(child);
    }

    private void VisitFunction(Node function)
    {
        var scope = new HashSet<string>(StringComparer.Ordinal);
        var (parameters, body) = function switch
        {
            ArrowFunctionExpression arrow => (arrow.Params.ToList(), (Node)arrow.Body),
            FunctionExpression expression => (expression.Params.ToList(), expression.Body),
            FunctionDeclaration declaration => (declaration.Params.ToList(), declaration.Body),
            _ => ([], function),
        };
        if (function is FunctionExpression { Id: { } ownName }) scope.Add(ownName.Name);
        foreach (var parameter in parameters) AddPattern(parameter, scope);
        CollectDeclarations(body, scope);

        _scopes.Add(scope);
        foreach (var parameter in parameters) VisitDefaults(parameter);
        Visit(body);
        _scopes.RemoveAt(_scopes.Count - 1);
    }

    /// <summary>Declarations inside a function body (not inside nested functions) belong to its scope.</summary>
    private static void CollectDeclarations(Node node, HashSet<string> scope)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case VariableDeclarator declarator:
                AddPattern(declarator.Id, scope);
                if (declarator.Init is { } init) CollectDeclarations(init, scope);
                return;
            case CatchClause { Param: { } param } clause:
                AddPattern(param, scope);
                CollectDeclarations(clause.Body, scope);
                return;
            case FunctionDeclaration { Id: { } name }:
                scope.Add(name.Name);
                return;
            case ArrowFunctionExpression or FunctionExpression:
                return;
        }

        foreach (var child in node.ChildNodes) CollectDeclarations(child, scope);
    }

    private static void AddPattern(Node pattern, HashSet<string> scope)
    {
        switch (pattern)
        {
            case Identifier id:
                scope.Add(id.Name);
                return;
            case AssignmentPattern assignment:
                AddPattern(assignment.Left, scope);
                return;
            case Property property:
                AddPattern(property.Value, scope);
                return;
        }

        foreach (var child in pattern.ChildNodes) AddPattern(child, scope);
    }

    /// <summary>Default values of parameters (<c>(x = params.n) =&gt; x</c>) are read like any other expression.</summary>
    private void VisitDefaults(Node pattern)
    {
        if (pattern is AssignmentPattern assignment)
        {
            Visit(assignment.Right);
            return;
        }

        foreach (var child in pattern.ChildNodes) VisitDefaults(child);
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

        if (current is Identifier root && !IsLocal(root.Name))
        {
            segments.Reverse();
            reference = new ExpressionReference(new PathSegment(root.Name, root.Start), segments);
            return true;
        }

        reference = null!;
        return false;
    }
}
