using System.Text;
using static Pipelines.Activities.Models.Tokenization.ChatTemplateValues;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// Renders a parsed chat template over its variables. A pure interpreter: the only values it sees are those it is
/// given and those the template makes, so a template cannot reach files, the network or .NET. Scopes are Jinja's: a
/// for loop's body gets a fresh scope each iteration (what it sets stays inside; a <c>namespace()</c> carries values
/// out), <c>if</c> adds none.
/// </summary>
internal sealed class ChatTemplateRenderer
{
    private const int MaxOutput = 16 << 20; // characters; a template that writes more is broken, not a prompt

    private readonly StringBuilder _output = new();
    private readonly DateTimeOffset? _now;
    private Scope _scope;

    private ChatTemplateRenderer(Dictionary<string, object?> variables, DateTimeOffset? now)
    {
        _scope = new Scope(null, variables);
        _now = now;
    }

    public static string Render(IReadOnlyList<ChatTemplateNode> nodes, Dictionary<string, object?> variables, DateTimeOffset? now)
    {
        var renderer = new ChatTemplateRenderer(variables, now);
        renderer.Run(nodes);
        return renderer._output.ToString();
    }

    private enum Flow
    {
        Next,
        Break,
        Continue,
    }

    private Flow Run(IReadOnlyList<ChatTemplateNode> nodes)
    {
        foreach (var node in nodes)
        {
            var flow = node switch
            {
                TextNode text => Write(text.Text, text),
                OutputNode output => Write(Str(Evaluate(output.Value)), output),
                IfNode branch => If(branch),
                ForNode loop => For(loop),
                SetNode set => Set(set),
                LoopControlNode control => control.Break ? Flow.Break : Flow.Continue,
                _ => throw new InvalidOperationException(node.GetType().Name),
            };
            if (flow != Flow.Next) return flow;
        }

        return Flow.Next;
    }

    private Flow Write(string text, ChatTemplateNode at)
    {
        if (_output.Length + text.Length > MaxOutput) throw new ChatTemplateException($"the rendered prompt passes {MaxOutput} characters", at.Line, at.Column);
        _output.Append(text);
        return Flow.Next;
    }

    private Flow If(IfNode node)
    {
        foreach (var (condition, body) in node.Branches)
        {
            if (Truthy(Evaluate(condition))) return Run(body);
        }

        return Run(node.Else);
    }

    private Flow For(ForNode node)
    {
        var outer = _scope;
        var items = At(node.Items, () => Items(Evaluate(node.Items)));
        if (node.Filter is { } filter)
        {
            items = items.Where(item =>
            {
                _scope = new Scope(outer, Bind(node, item));
                try
                {
                    return Truthy(Evaluate(filter));
                }
                finally
                {
                    _scope = outer;
                }
            }).ToList();
        }

        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                var variables = Bind(node, items[i]);
                variables["loop"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["index"] = (long)i + 1,
                    ["index0"] = (long)i,
                    ["revindex"] = (long)(items.Count - i),
                    ["revindex0"] = (long)(items.Count - i - 1),
                    ["first"] = i == 0,
                    ["last"] = i == items.Count - 1,
                    ["length"] = (long)items.Count,
                    ["previtem"] = i > 0 ? items[i - 1] : new Undefined("there is no previous item"),
                    ["nextitem"] = i < items.Count - 1 ? items[i + 1] : new Undefined("there is no next item"),
                    ["depth"] = 1L,
                    ["depth0"] = 0L,
                };
                _scope = new Scope(outer, variables);
                if (Run(node.Body) == Flow.Break) break;
            }
        }
        finally
        {
            _scope = outer;
        }

        return items.Count == 0 ? Run(node.Else) : Flow.Next;
    }

    /// <summary>The loop variables of one item: the item itself, or its parts for <c>for a, b in pairs</c>.</summary>
    private static Dictionary<string, object?> Bind(ForNode node, object? item)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (node.Targets.Count == 1)
        {
            variables[node.Targets[0]] = item;
            return variables;
        }

        if (item is not List<object?> parts || parts.Count != node.Targets.Count)
            throw new ChatTemplateException($"cannot unpack {TypeName(item)} into {node.Targets.Count} loop variables", node.Line, node.Column);
        for (var i = 0; i < parts.Count; i++) variables[node.Targets[i]] = parts[i];
        return variables;
    }

    private Flow Set(SetNode node)
    {
        var value = Evaluate(node.Value);
        if (node.Attribute is null)
        {
            _scope.Variables[node.Name] = value;
            return Flow.Next;
        }

        if (_scope.Find(node.Name) is not TemplateNamespace ns)
            throw new ChatTemplateException($"only a namespace() takes attributes; '{node.Name}' is not one", node.Line, node.Column);
        ns[node.Attribute] = value;
        return Flow.Next;
    }

    private object? Evaluate(Expression expression) => At(expression, () => expression switch
    {
        LiteralExpression literal => literal.Value,
        NameExpression name => _scope.Find(name.Name) is var found and not Undefined ? found
            : ChatTemplateBuiltins.Functions.Contains(name.Name) ? ChatTemplateBuiltins.Function(name.Name, _now) : new Undefined($"'{name.Name}' is undefined"),
        ListExpression list => list.Items.Select(Evaluate).ToList(),
        DictExpression dict => dict.Entries.Aggregate(new Dictionary<string, object?>(StringComparer.Ordinal), (d, e) =>
        {
            d[Evaluate(e.Key) as string ?? throw new TemplateError("dict keys must be strings")] = Evaluate(e.Value);
            return d;
        }),
        AttributeExpression attribute => Attribute(Evaluate(attribute.Target), attribute.Name),
        IndexExpression index => Index(Evaluate(index.Target), Evaluate(index.Index)),
        SliceExpression slice => Slice(Evaluate(slice.Target), Bound(slice.Start), Bound(slice.Stop), Bound(slice.Step)),
        CallExpression call => Call(call),
        FilterExpression filter => ChatTemplateBuiltins.ApplyFilter(filter.Name, Evaluate(filter.Value), Positional(filter.Arguments), Named(filter.Arguments)),
        TestExpression test => ChatTemplateBuiltins.ApplyTest(test.Name, Evaluate(test.Value), Positional(test.Arguments), Named(test.Arguments)) != test.Negated,
        UnaryExpression unary => Unary(unary.Operator, Evaluate(unary.Operand)),
        BinaryExpression { Operator: "and" } and => Evaluate(and.Left) is var left && Truthy(left) ? Evaluate(and.Right) : left,
        BinaryExpression { Operator: "or" } or => Evaluate(or.Left) is var first && Truthy(first) ? first : Evaluate(or.Right),
        BinaryExpression binary => ChatTemplateOperators.Apply(binary.Operator, Evaluate(binary.Left), Evaluate(binary.Right)),
        ConditionalExpression conditional => Truthy(Evaluate(conditional.Condition)) ? Evaluate(conditional.Then)
            : conditional.Otherwise is { } otherwise ? Evaluate(otherwise) : new Undefined("the condition was false and there is no else"),
        _ => throw new InvalidOperationException(expression.GetType().Name),
    });

    private object? Call(CallExpression call)
    {
        var function = call.Target switch
        {
            AttributeExpression method => Evaluate(method.Target) is var target && ChatTemplateBuiltins.Method(target, method.Name) is { } bound ? bound
                : throw new TemplateError($"'{TypeName(target)}' object has no method '{method.Name}'"),
            _ => Evaluate(call.Target) as TemplateFunction ?? throw new TemplateError("this value cannot be called"),
        };
        try
        {
            return function.Invoke(Positional(call.Arguments), Named(call.Arguments));
        }
        catch (TemplateRaised raised)
        {
            throw new ChatTemplateException(raised.Message, call.Line, call.Column, raised: true);
        }
    }

    private static object? Attribute(object? target, string name) =>
        target is not Undefined && ChatTemplateBuiltins.Method(target, name) is { } method ? method : ChatTemplateBuiltins.Member(target, name);

    private static object? Index(object? target, object? index) => (target, index) switch
    {
        (Undefined u, _) => throw new TemplateError(u.Why),
        (Dictionary<string, object?> d, string key) => d.TryGetValue(key, out var v) ? v : Attribute(d, key),
        (List<object?> list, long i) => i >= -list.Count && i < list.Count ? list[(int)(i < 0 ? i + list.Count : i)] : new Undefined($"list index {i} out of range"),
        (string s, long i) => i >= -s.Length && i < s.Length ? s[(int)(i < 0 ? i + s.Length : i)].ToString() : new Undefined($"string index {i} out of range"),
        (_, string key) => Attribute(target, key),
        _ => new Undefined($"'{TypeName(target)}' object has no item {Repr(index)}"),
    };

    private long? Bound(Expression? part) => part is null ? null : Evaluate(part) switch
    {
        null => null,
        long l => l,
        var other => throw new TemplateError($"slice indices must be whole numbers or none, not {TypeName(other)}"),
    };

    /// <summary>Python's <c>sequence[start:stop:step]</c> on a list or a string.</summary>
    private static object? Slice(object? target, long? start, long? stop, long? step)
    {
        var length = target switch
        {
            List<object?> list => list.Count,
            string s => s.Length,
            Undefined u => throw new TemplateError(u.Why),
            _ => throw new TemplateError($"'{TypeName(target)}' object cannot be sliced"),
        };
        var by = step ?? 1;
        if (by == 0) throw new TemplateError("slice step cannot be zero");
        long Clamp(long? value, long otherwise)
        {
            if (value is not { } v) return otherwise;
            if (v < 0) v += length;
            return by > 0 ? Math.Clamp(v, 0, length) : Math.Clamp(v, -1, length - 1);
        }

        var from = Clamp(start, by > 0 ? 0 : length - 1);
        var to = Clamp(stop, by > 0 ? length : -1);
        var picked = new List<int>();
        for (var i = from; by > 0 ? i < to : i > to; i += by) picked.Add((int)i);
        return target is string text ? string.Concat(picked.Select(i => text[i])) : picked.Select(i => ((List<object?>)target!)[i]).ToList();
    }

    private static object? Unary(string op, object? value) => op switch
    {
        "not" => !Truthy(value),
        "-" => value switch { long l => (object)(-l), double d => -d, _ => throw new TemplateError($"bad operand type for unary -: '{TypeName(value)}'") },
        _ => value is long or double ? value : throw new TemplateError($"bad operand type for unary +: '{TypeName(value)}'"),
    };

    private List<object?> Positional(Arguments arguments) => arguments.Positional.Select(Evaluate).ToList();

    private Dictionary<string, object?> Named(Arguments arguments) =>
        arguments.Named.ToDictionary(a => a.Name, a => Evaluate(a.Value), StringComparer.Ordinal);

    /// <summary>Runs <paramref name="work"/>, naming <paramref name="at"/>'s place in a mistake it makes.</summary>
    private static T At<T>(Expression at, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (TemplateError e)
        {
            throw new ChatTemplateException(e.Message, at.Line, at.Column);
        }
    }

    private sealed class Scope(Scope? parent, Dictionary<string, object?> variables)
    {
        public Dictionary<string, object?> Variables { get; } = variables;

        public object? Find(string name) =>
            Variables.TryGetValue(name, out var value) ? value : parent is null ? new Undefined($"'{name}' is undefined") : parent.Find(name);
    }
}
