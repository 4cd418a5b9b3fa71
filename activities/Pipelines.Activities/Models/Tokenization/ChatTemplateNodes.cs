namespace Pipelines.Activities.Models.Tokenization;

// The syntax tree of a chat template: statements render text, expressions give values. Each node keeps where it
// starts (1-based) so an error names the construct's place in the template.

internal abstract record ChatTemplateNode(int Line, int Column);

internal sealed record TextNode(string Text, int Line, int Column) : ChatTemplateNode(Line, Column);

/// <summary><c>{{ value }}</c>.</summary>
internal sealed record OutputNode(Expression Value, int Line, int Column) : ChatTemplateNode(Line, Column);

/// <summary><c>{% if %}</c> with its <c>elif</c> branches in order, then the <c>else</c> body (empty when none).</summary>
internal sealed record IfNode(IReadOnlyList<(Expression Condition, IReadOnlyList<ChatTemplateNode> Body)> Branches, IReadOnlyList<ChatTemplateNode> Else, int Line, int Column)
    : ChatTemplateNode(Line, Column);

/// <summary><c>{% for a[, b] in items [if filter] %}</c>, its body, and the <c>else</c> body rendered when nothing was iterated.</summary>
internal sealed record ForNode(IReadOnlyList<string> Targets, Expression Items, Expression? Filter, IReadOnlyList<ChatTemplateNode> Body, IReadOnlyList<ChatTemplateNode> Else, int Line, int Column)
    : ChatTemplateNode(Line, Column);

/// <summary><c>{% set name = value %}</c>, or <c>{% set ns.attribute = value %}</c> on a <c>namespace()</c>.</summary>
internal sealed record SetNode(string Name, string? Attribute, Expression Value, int Line, int Column) : ChatTemplateNode(Line, Column);

/// <summary><c>{% break %}</c> or <c>{% continue %}</c>.</summary>
internal sealed record LoopControlNode(bool Break, int Line, int Column) : ChatTemplateNode(Line, Column);

internal abstract record Expression(int Line, int Column);

internal sealed record LiteralExpression(object? Value, int Line, int Column) : Expression(Line, Column);

internal sealed record ListExpression(IReadOnlyList<Expression> Items, int Line, int Column) : Expression(Line, Column);

internal sealed record DictExpression(IReadOnlyList<(Expression Key, Expression Value)> Entries, int Line, int Column) : Expression(Line, Column);

internal sealed record NameExpression(string Name, int Line, int Column) : Expression(Line, Column);

/// <summary><c>target.name</c>.</summary>
internal sealed record AttributeExpression(Expression Target, string Name, int Line, int Column) : Expression(Line, Column);

/// <summary><c>target[index]</c>.</summary>
internal sealed record IndexExpression(Expression Target, Expression Index, int Line, int Column) : Expression(Line, Column);

/// <summary><c>target[start:stop:step]</c>, each part optional.</summary>
internal sealed record SliceExpression(Expression Target, Expression? Start, Expression? Stop, Expression? Step, int Line, int Column) : Expression(Line, Column);

/// <summary>Arguments of a call, a filter or a test: positional ones, then named ones.</summary>
internal sealed record Arguments(IReadOnlyList<Expression> Positional, IReadOnlyList<(string Name, Expression Value)> Named)
{
    public static readonly Arguments None = new([], []);
}

/// <summary><c>function(args)</c> or <c>value.method(args)</c>.</summary>
internal sealed record CallExpression(Expression Target, Arguments Arguments, int Line, int Column) : Expression(Line, Column);

/// <summary><c>value | name(args)</c>.</summary>
internal sealed record FilterExpression(Expression Value, string Name, Arguments Arguments, int Line, int Column) : Expression(Line, Column);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpression(Expression Value, string Name, bool Negated, Arguments Arguments, int Line, int Column) : Expression(Line, Column);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c>.</summary>
internal sealed record UnaryExpression(string Operator, Expression Operand, int Line, int Column) : Expression(Line, Column);

/// <summary>
/// Arithmetic (<c>+ - * / // % **</c>), concatenation (<c>~</c>), comparisons (<c>== != &lt; &lt;= &gt; &gt;=</c>),
/// membership (<c>in</c>, <c>not in</c>) and the short-circuit <c>and</c> / <c>or</c>.
/// </summary>
internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, int Line, int Column) : Expression(Line, Column);

/// <summary><c>then if condition else otherwise</c>; without <c>else</c> it gives undefined.</summary>
internal sealed record ConditionalExpression(Expression Condition, Expression Then, Expression? Otherwise, int Line, int Column) : Expression(Line, Column);
