using Acornima;
using Acornima.Ast;

namespace Pipelines.Expressions;

/// <summary>A syntax error in an expression, at a character offset of its source.</summary>
public sealed record ExpressionError(string Message, int Offset);

/// <summary>An expression checked for syntax, with the context names it reads. Parsing is pure and cheap.</summary>
public sealed class ParsedExpression
{
    /// <summary>Longer expressions belong in code, not in YAML; the bound also keeps parsing shallow.</summary>
    public const int MaxLength = 4096;

    private const int MaxNesting = 64;

    /// <summary>JavaScript globals an expression may use besides the context.</summary>
    public static readonly IReadOnlySet<string> Globals = new HashSet<string>(StringComparer.Ordinal)
    {
        "Math", "JSON", "Number", "String", "Boolean", "Array", "Object", "Date", "RegExp",
        "parseInt", "parseFloat", "isNaN", "isFinite", "undefined", "NaN", "Infinity",
        "encodeURIComponent", "decodeURIComponent",
    };

    private static readonly ParserOptions Options = new() { EcmaVersion = EcmaVersion.ES2023 };

    private ParsedExpression(string source, IReadOnlyList<ExpressionReference> references, ExpressionError? error)
    {
        Source = source;
        References = references;
        Error = error;
    }

    public string Source { get; }

    public IReadOnlyList<ExpressionReference> References { get; }

    /// <summary>Names read that are neither context roots (as references) nor JavaScript globals nor locals.</summary>
    public ExpressionError? Error { get; }

    /// <summary>
    /// Parses seen recently, by source: a pipeline repeats its expressions (<c>params.x</c> in every step), and the
    /// designer sends the same text again with each keystroke. A parse is immutable, so sharing one is safe. Bounded
    /// by count and by the length of what is kept; when full it starts again rather than keeping score.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ParsedExpression> Recent = new(StringComparer.Ordinal);

    private const int MaxRecent = 4096;

    private const int MaxRecentLength = 256;

    public static ParsedExpression Parse(string source)
    {
        if (source.Length > MaxRecentLength) return ParseNew(source);
        if (Recent.TryGetValue(source, out var known)) return known;
        var parsed = ParseNew(source);
        if (Recent.Count >= MaxRecent) Recent.Clear();
        Recent.TryAdd(source, parsed);
        return parsed;
    }

    private static ParsedExpression ParseNew(string source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return Failed(source, "the expression is empty", 0);
        }

        if (source.Length > MaxLength)
        {
            return Failed(source, $"the expression is {source.Length} characters long; the limit is {MaxLength}", 0);
        }

        if (NestingTooDeep(source) is { } deepAt)
        {
            return Failed(source, $"the expression nests brackets deeper than {MaxNesting} levels", deepAt);
        }

        Expression ast;
        try
        {
            ast = new Parser(Options).ParseExpression(source);
        }
        catch (ParseErrorException e)
        {
            return Failed(source, Lowercase(e.Description), Math.Max(0, e.Error.Index));
        }
        catch (InsufficientExecutionStackException)
        {
            return Failed(source, "the expression is nested too deeply", 0);
        }

        var collector = new ReferenceCollector();
        try
        {
            collector.Collect(ast);
        }
        catch (InsufficientExecutionStackException)
        {
            return Failed(source, "the expression is nested too deeply", 0);
        }

        return collector.Forbidden is { } forbidden ? new ParsedExpression(source, [], forbidden) : new ParsedExpression(source, collector.References, null);
    }

    private static ParsedExpression Failed(string source, string message, int offset) =>
        new(source, [], new ExpressionError(message, offset));

    private static string Lowercase(string s) => s.Length > 1 && char.IsUpper(s[0]) && !char.IsUpper(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;

    private static int? NestingTooDeep(string source)
    {
        var depth = 0;
        var unary = 0;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            depth += c is '(' or '[' or '{' ? 1 : c is ')' or ']' or '}' ? -1 : 0;
            unary = c is '!' or '-' or '+' or '~' ? unary + 1 : char.IsWhiteSpace(c) ? unary : 0;
            if (depth > MaxNesting || unary > MaxNesting)
            {
                return i;
            }
        }

        return null;
    }
}
