using System.Globalization;
using Kind = Pipelines.Activities.Models.Tokenization.ChatTemplateTokenKind;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// Reads a chat template's tokens into its syntax tree, Jinja's precedence from loosest to tightest: <c>x if c else y</c>,
/// <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary
/// <c>-</c>, then filters and tests on a primary with its <c>.attr</c>, <c>[i]</c>, <c>[a:b]</c> and calls. Filters,
/// tests, functions and methods the renderer does not have are refused here, naming where, so a template we cannot
/// render is found when it is loaded, not on the first request that reaches the construct.
/// </summary>
internal sealed class ChatTemplateParser
{
    private static readonly string[] Unsupported = ["macro", "call", "filter", "raw", "include", "import", "from", "extends", "block", "with", "autoescape", "do"];
    private static readonly string[] Ends = ["elif", "else", "endif", "endfor", "endset", "endgeneration"];
    private static readonly string[] Comparisons = ["==", "!=", "<", "<=", ">", ">="];

    private readonly List<ChatTemplateToken> _tokens;
    private int _next;
    private int _loops;

    private ChatTemplateParser(List<ChatTemplateToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<ChatTemplateNode> Parse(string template) =>
        new ChatTemplateParser(ChatTemplateLexer.Tokenize(template)).Body(null, []).Nodes;

    /// <summary>Nodes up to a <c>{% keyword %}</c> among <paramref name="ends"/> (returned, its name read) or the end of the template.</summary>
    private (List<ChatTemplateNode> Nodes, ChatTemplateToken End) Body(ChatTemplateToken? opener, string[] ends)
    {
        var nodes = new List<ChatTemplateNode>();
        while (_next < _tokens.Count)
        {
            var token = _tokens[_next++];
            if (token.Kind == Kind.Text) nodes.Add(new TextNode(token.Value, token.Line, token.Column));
            else if (token.Kind == Kind.OutputStart)
            {
                nodes.Add(new OutputNode(Expression(), token.Line, token.Column));
                Expect(Kind.OutputEnd, "'}}'");
            }
            else
            {
                var keyword = Expect(Kind.Name, "a statement (if, for, set)");
                if (ends.Contains(keyword.Value)) return (nodes, keyword);
                if (opener is { } unclosed && Ends.Contains(keyword.Value))
                    throw Error($"expected '{{% {ends[^1]} %}}' to close the '{{% {unclosed.Value} %}}' of line {unclosed.Line}, column {unclosed.Column}, found '{{% {keyword.Value} %}}'", keyword);
                nodes.AddRange(Statement(keyword));
            }
        }

        if (opener is { } open) throw Error($"'{{% {open.Value} %}}' is never closed: '{{% {ends[^1]} %}}' is missing", open);
        return (nodes, default);
    }

    private IEnumerable<ChatTemplateNode> Statement(ChatTemplateToken keyword)
    {
        switch (keyword.Value)
        {
            case "if": return [If(keyword)];
            case "for": return [For(keyword)];
            case "set": return [Set(keyword)];
            case "break" or "continue":
                if (_loops == 0) throw Error($"'{{% {keyword.Value} %}}' outside a for loop", keyword);
                Expect(Kind.StatementEnd, "'%}'");
                return [new LoopControlNode(keyword.Value == "break", keyword.Line, keyword.Column)];
            case "generation": // transformers' marker of assistant text: renders its body
                Expect(Kind.StatementEnd, "'%}'");
                var body = Body(keyword, ["endgeneration"]).Nodes;
                Expect(Kind.StatementEnd, "'%}'");
                return body;
            case var name when Unsupported.Contains(name): throw Error($"'{{% {name} %}}' is not supported by this renderer", keyword);
            case var name when Ends.Contains(name): throw Error($"'{{% {name} %}}' has no statement it belongs to", keyword);
            default: throw Error($"unknown statement '{{% {keyword.Value} %}}'", keyword);
        }
    }

    private IfNode If(ChatTemplateToken keyword)
    {
        var branches = new List<(Expression, IReadOnlyList<ChatTemplateNode>)>();
        var condition = Expression();
        while (true)
        {
            Expect(Kind.StatementEnd, "'%}'");
            var (body, end) = Body(keyword, ["elif", "else", "endif"]);
            branches.Add((condition, body));
            if (end.Value == "elif")
            {
                condition = Expression();
                continue;
            }

            List<ChatTemplateNode> otherwise = [];
            if (end.Value == "else")
            {
                Expect(Kind.StatementEnd, "'%}'");
                otherwise = Body(keyword, ["endif"]).Nodes;
            }

            Expect(Kind.StatementEnd, "'%}'");
            return new IfNode(branches, otherwise, keyword.Line, keyword.Column);
        }
    }

    private ForNode For(ChatTemplateToken keyword)
    {
        var targets = new List<string> { Expect(Kind.Name, "a loop variable").Value };
        while (Accept(Kind.Operator, ",")) targets.Add(Expect(Kind.Name, "a loop variable").Value);
        if (!Accept(Kind.Name, "in")) throw Error($"expected 'in' after the loop variable, found {Peek()}", Peek());
        var items = Expression(conditional: false);
        var filter = Accept(Kind.Name, "if") ? Expression(conditional: false) : null;
        if (Peek().Is(Kind.Name, "recursive")) throw Error("recursive loops are not supported by this renderer", Peek());
        Expect(Kind.StatementEnd, "'%}'");
        _loops++;
        var (body, end) = Body(keyword, ["else", "endfor"]);
        _loops--;
        List<ChatTemplateNode> otherwise = [];
        if (end.Value == "else")
        {
            Expect(Kind.StatementEnd, "'%}'");
            otherwise = Body(keyword, ["endfor"]).Nodes;
        }

        Expect(Kind.StatementEnd, "'%}'");
        return new ForNode(targets, items, filter, body, otherwise, keyword.Line, keyword.Column);
    }

    private SetNode Set(ChatTemplateToken keyword)
    {
        var name = Expect(Kind.Name, "a variable name").Value;
        var attribute = Accept(Kind.Operator, ".") ? Expect(Kind.Name, "an attribute name").Value : null;
        if (Peek().Kind == Kind.StatementEnd) throw Error("block assignments ('{% set x %}...{% endset %}') are not supported by this renderer", keyword);
        if (Peek().Is(Kind.Operator, ",")) throw Error("assigning several names at once is not supported by this renderer", Peek());
        if (!Accept(Kind.Operator, "=")) throw Error($"expected '=' in set, found {Peek()}", Peek());
        var value = Expression();
        Expect(Kind.StatementEnd, "'%}'");
        return new SetNode(name, attribute, value, keyword.Line, keyword.Column);
    }

    private Expression Expression(bool conditional = true)
    {
        var value = Or();
        if (!conditional || !Peek().Is(Kind.Name, "if")) return value;
        var at = _tokens[_next++];
        var condition = Or();
        var otherwise = Accept(Kind.Name, "else") ? Expression() : null;
        return new ConditionalExpression(condition, value, otherwise, at.Line, at.Column);
    }

    private Expression Or() => LeftAssociative(And, Kind.Name, "or");

    private Expression And() => LeftAssociative(Not, Kind.Name, "and");

    private Expression Not()
    {
        if (!Peek().Is(Kind.Name, "not")) return Compare();
        var at = _tokens[_next++];
        return new UnaryExpression("not", Not(), at.Line, at.Column);
    }

    private Expression Compare()
    {
        var left = Sum();
        while (true)
        {
            var at = Peek();
            string op;
            if (at.Kind == Kind.Operator && Comparisons.Contains(at.Value)) op = at.Value;
            else if (at.Is(Kind.Name, "in")) op = "in";
            else if (at.Is(Kind.Name, "not") && PeekAt(1).Is(Kind.Name, "in")) op = "not in";
            else return left;
            _next += op == "not in" ? 2 : 1;
            left = new BinaryExpression(op, left, Sum(), at.Line, at.Column);
        }
    }

    private Expression Sum() => LeftAssociative(Concat, Kind.Operator, "+", "-");

    private Expression Concat() => LeftAssociative(Product, Kind.Operator, "~");

    private Expression Product() => LeftAssociative(Power, Kind.Operator, "*", "/", "//", "%");

    private Expression Power() => LeftAssociative(() => Unary(), Kind.Operator, "**");

    private Expression LeftAssociative(Func<Expression> operand, Kind kind, params string[] operators)
    {
        var left = operand();
        while (Peek().Kind == kind && operators.Contains(Peek().Value))
        {
            var at = _tokens[_next++];
            left = new BinaryExpression(at.Value, left, operand(), at.Line, at.Column);
        }

        return left;
    }

    private Expression Unary(bool withFilters = true)
    {
        var at = Peek();
        var value = at.Kind == Kind.Operator && at.Value is "-" or "+"
            ? new UnaryExpression(_tokens[_next++].Value, Unary(withFilters: false), at.Line, at.Column)
            : Postfix(Primary());
        return withFilters ? FiltersAndTests(value) : value;
    }

    private Expression FiltersAndTests(Expression value)
    {
        while (true)
        {
            if (Accept(Kind.Operator, "|"))
            {
                var name = Expect(Kind.Name, "a filter name");
                if (!ChatTemplateBuiltins.Filters.Contains(name.Value)) throw Error($"unknown filter '{name.Value}' (this renderer has {string.Join(", ", ChatTemplateBuiltins.Filters)})", name);
                var arguments = Peek().Is(Kind.Operator, "(") ? Arguments() : Tokenization.Arguments.None;
                value = new FilterExpression(value, name.Value, arguments, name.Line, name.Column);
            }
            else if (Peek().Is(Kind.Name, "is"))
            {
                _next++;
                var negated = Accept(Kind.Name, "not");
                var name = Expect(Kind.Name, "a test name");
                if (!ChatTemplateBuiltins.Tests.Contains(name.Value)) throw Error($"unknown test '{name.Value}' (this renderer has {string.Join(", ", ChatTemplateBuiltins.Tests)})", name);
                var arguments = Peek().Is(Kind.Operator, "(") ? Arguments() : Tokenization.Arguments.None;
                value = new TestExpression(value, name.Value, negated, arguments, name.Line, name.Column);
            }
            else return value;
        }
    }

    private Expression Postfix(Expression value)
    {
        while (true)
        {
            var at = Peek();
            if (Accept(Kind.Operator, "."))
            {
                var name = Expect(Kind.Name, "an attribute name");
                value = new AttributeExpression(value, name.Value, value.Line, value.Column);
            }
            else if (Accept(Kind.Operator, "["))
            {
                value = Subscript(value, at);
            }
            else if (at.Is(Kind.Operator, "("))
            {
                var known = value switch
                {
                    NameExpression name => ChatTemplateBuiltins.Functions.Contains(name.Name) ? null : $"unknown function '{name.Name}' (this renderer has {string.Join(", ", ChatTemplateBuiltins.Functions)})",
                    AttributeExpression method => ChatTemplateBuiltins.Methods.Contains(method.Name) ? null : $"unknown method '{method.Name}' (this renderer has {string.Join(", ", ChatTemplateBuiltins.Methods)})",
                    _ => "only functions and methods can be called",
                };
                if (known is not null) throw Error(known, value.Line, value.Column);
                value = new CallExpression(value, Arguments(), value.Line, value.Column);
            }
            else return value;
        }
    }

    private Expression Subscript(Expression target, ChatTemplateToken at)
    {
        Expression? Part() => Peek().Kind == Kind.Operator && Peek().Value is ":" or "]" ? null : Expression();
        var start = Part();
        if (Accept(Kind.Operator, "]"))
        {
            return new IndexExpression(target, start ?? throw Error("expected an index inside '[]'", at), target.Line, target.Column);
        }

        Expect(Kind.Operator, ":", "':' or ']'");
        var stop = Part();
        var step = Accept(Kind.Operator, ":") ? Part() : null;
        Expect(Kind.Operator, "]", "']'");
        return new SliceExpression(target, start, stop, step, target.Line, target.Column);
    }

    private Arguments Arguments()
    {
        Expect(Kind.Operator, "(", "'('");
        var positional = new List<Expression>();
        var named = new List<(string, Expression)>();
        while (!Accept(Kind.Operator, ")"))
        {
            if (positional.Count + named.Count > 0) Expect(Kind.Operator, ",", "',' or ')'");
            if (Peek().Kind == Kind.Name && PeekAt(1).Is(Kind.Operator, "="))
            {
                var name = _tokens[_next].Value;
                _next += 2;
                named.Add((name, Expression()));
            }
            else if (named.Count > 0) throw Error("a positional argument after named ones", Peek());
            else positional.Add(Expression());
        }

        return new Arguments(positional, named);
    }

    private Expression Primary()
    {
        var token = Peek();
        _next++;
        switch (token.Kind)
        {
            case Kind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Line, token.Column),
                    "false" or "False" => new LiteralExpression(false, token.Line, token.Column),
                    "none" or "None" => new LiteralExpression(null, token.Line, token.Column),
                    _ => new NameExpression(token.Value, token.Line, token.Column),
                };
            case Kind.String:
                var text = token.Value;
                while (Peek().Kind == Kind.String) text += _tokens[_next++].Value; // 'a' 'b' is 'ab', as in Python
                return new LiteralExpression(text, token.Line, token.Column);
            case Kind.Number:
                return new LiteralExpression(token.Value.AsSpan().IndexOfAny(".eE") >= 0
                    ? (object)double.Parse(token.Value, CultureInfo.InvariantCulture)
                    : long.TryParse(token.Value, CultureInfo.InvariantCulture, out var whole) ? whole : throw Error($"the number {token.Value} is too large", token), token.Line, token.Column);
            case Kind.Operator when token.Value == "(":
                var inner = Expression();
                if (Accept(Kind.Operator, ")")) return inner;
                var tuple = new List<Expression> { inner }; // a tuple is a list here: only its printing would differ
                while (!Accept(Kind.Operator, ")"))
                {
                    Expect(Kind.Operator, ",", "',' or ')'");
                    if (Accept(Kind.Operator, ")")) break;
                    tuple.Add(Expression());
                }

                return new ListExpression(tuple, token.Line, token.Column);
            case Kind.Operator when token.Value == "[":
                var items = new List<Expression>();
                while (!Accept(Kind.Operator, "]"))
                {
                    if (items.Count > 0) Expect(Kind.Operator, ",", "',' or ']'");
                    if (Accept(Kind.Operator, "]")) break; // a trailing comma
                    items.Add(Expression());
                }

                return new ListExpression(items, token.Line, token.Column);
            case Kind.Operator when token.Value == "{":
                var entries = new List<(Expression, Expression)>();
                while (!Accept(Kind.Operator, "}"))
                {
                    if (entries.Count > 0) Expect(Kind.Operator, ",", "',' or '}'");
                    if (Accept(Kind.Operator, "}")) break;
                    var key = Expression();
                    Expect(Kind.Operator, ":", "':'");
                    entries.Add((key, Expression()));
                }

                return new DictExpression(entries, token.Line, token.Column);
            default:
                _next--;
                throw Error($"expected a value, found {token}", token);
        }
    }

    private ChatTemplateToken Peek() => PeekAt(0);

    /// <summary>The token <paramref name="ahead"/> places on; past the end, a closing tag at the last token (the template ended inside a tag).</summary>
    private ChatTemplateToken PeekAt(int ahead) => _next + ahead < _tokens.Count
        ? _tokens[_next + ahead]
        : _tokens.Count > 0 ? _tokens[^1] with { Kind = Kind.Text, Value = "" } : new ChatTemplateToken(Kind.Text, "", 1, 1);

    private bool Accept(Kind kind, string value)
    {
        if (!Peek().Is(kind, value)) return false;
        _next++;
        return true;
    }

    private ChatTemplateToken Expect(Kind kind, string what) => Expect(kind, null, what);

    private ChatTemplateToken Expect(Kind kind, string? value, string what)
    {
        var token = Peek();
        if (token.Kind != kind || (value is not null && token.Value != value) || _next >= _tokens.Count)
            throw Error($"expected {what}, found {(_next >= _tokens.Count ? "the end of the template" : token.ToString())}", token);
        _next++;
        return token;
    }

    private static ChatTemplateException Error(string reason, ChatTemplateToken at) => new(reason, at.Line, at.Column);

    private static ChatTemplateException Error(string reason, int line, int column) => new(reason, line, column);
}
