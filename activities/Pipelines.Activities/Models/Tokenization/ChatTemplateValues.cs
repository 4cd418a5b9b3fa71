using System.Globalization;
using System.Text;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>A name or member that does not exist: prints as nothing and is false, as in Jinja; using its members is an error.</summary>
internal sealed record Undefined(string Why);

/// <summary>What <c>namespace(...)</c> makes: the one object a template may assign attributes on, so a loop can carry a value out.</summary>
internal sealed class TemplateNamespace : Dictionary<string, object?>
{
    public TemplateNamespace() : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A function or bound method a template can call, with positional and named arguments.</summary>
internal sealed record TemplateFunction(string Name, Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?> Invoke);

/// <summary>A mistake found while rendering (a type that does not fit, an undefined value used); the renderer adds where.</summary>
internal sealed class TemplateError(string message) : Exception(message);

/// <summary>The template's own <c>raise_exception(message)</c>.</summary>
internal sealed class TemplateRaised(string message) : Exception(message);

/// <summary>
/// Values inside a template behave as Python's do under Jinja: <c>none</c>, booleans, whole numbers (<c>long</c>),
/// floats, strings, lists, dicts with string keys (insertion order kept), and <see cref="Undefined"/>. Printing,
/// truth, equality, ordering and <c>tojson</c> follow Python, so a template renders here as it does in transformers.
/// </summary>
internal static class ChatTemplateValues
{
    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>str()</c>, as <c>{{ }}</c> prints.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>: how a value looks inside a printed list or dict.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        string s => QuotedRepr(s),
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        TemplateNamespace => "<Namespace>",
        Dictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(p => QuotedRepr(p.Key) + ": " + Repr(p.Value))) + "}",
        TemplateFunction f => $"<function {f.Name}>",
        _ => value.ToString() ?? "",
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        TemplateNamespace => "namespace",
        Dictionary<string, object?> => "dict",
        TemplateFunction => "function",
        _ => value.GetType().Name,
    };

    private static string Float(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == Math.Floor(d) && Math.Abs(d) < 1e16) return d.ToString("0.0", CultureInfo.InvariantCulture);
        return d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
    }

    private static string QuotedRepr(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var text = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ when c < ' ' || c == '\x7f' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return text.Append(quote).ToString();
    }

    /// <summary>Python's <c>==</c>: numbers by value whatever their type, lists and dicts item by item; undefined equals only undefined.</summary>
    public static bool AreEqual(object? left, object? right)
    {
        if (Number(left) is { } a && Number(right) is { } b) return a == b;
        return (left, right) switch
        {
            (null, null) => true,
            (Undefined, Undefined) => true,
            (string x, string y) => x == y,
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
            (Dictionary<string, object?> x, Dictionary<string, object?> y) => x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && AreEqual(p.Value, v)),
            _ => ReferenceEquals(left, right),
        };
    }

    /// <summary>Python's ordering of numbers or of strings (by code point); other pairs cannot be ordered.</summary>
    public static int Compare(object? left, object? right, string op)
    {
        if (Number(left) is { } a && Number(right) is { } b) return a.CompareTo(b);
        if (left is string x && right is string y) return string.CompareOrdinal(x, y);
        throw new TemplateError($"'{op}' cannot compare {TypeName(left)} with {TypeName(right)}");
    }

    /// <summary>The value of a number (a boolean counts, as in Python); null for anything else.</summary>
    public static double? Number(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => null,
    };

    /// <summary>What a for loop walks: a list's items, a dict's keys, a string's characters; undefined walks nothing.</summary>
    public static List<object?> Items(object? value) => value switch
    {
        Undefined => [],
        List<object?> list => list,
        Dictionary<string, object?> dict => [.. dict.Keys],
        string s => [.. s.Select(c => (object?)c.ToString())],
        _ => throw new TemplateError($"'{TypeName(value)}' object is not iterable"),
    };

    public static long Length(object? value) => value switch
    {
        Undefined => 0,
        string s => s.Length,
        List<object?> list => list.Count,
        Dictionary<string, object?> dict => dict.Count,
        _ => throw new TemplateError($"object of type '{TypeName(value)}' has no length"),
    };

    /// <summary>
    /// transformers' <c>tojson</c>: Python's <c>json.dumps</c> with <c>ensure_ascii=False</c> and keys in their order,
    /// <c>", "</c> and <c>": "</c> between items, or one item a line under <paramref name="indent"/>.
    /// </summary>
    public static string Json(object? value, int? indent = null)
    {
        var text = new StringBuilder();
        WriteJson(text, value, indent, 0);
        return text.ToString();
    }

    private static void WriteJson(StringBuilder text, object? value, int? indent, int depth)
    {
        void Items<T>(char open, char close, IReadOnlyCollection<T> items, Action<T> write)
        {
            text.Append(open);
            if (items.Count == 0)
            {
                text.Append(close);
                return;
            }

            var first = true;
            foreach (var item in items)
            {
                if (!first) text.Append(indent is null ? ", " : ",");
                if (indent is { } n) text.Append('\n').Append(' ', n * (depth + 1));
                write(item);
                first = false;
            }

            if (indent is { } m) text.Append('\n').Append(' ', m * depth);
            text.Append(close);
        }

        switch (value)
        {
            case null: text.Append("null"); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: text.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Float(d)); break;
            case string s: JsonString(text, s); break;
            case List<object?> list: Items('[', ']', list, item => WriteJson(text, item, indent, depth + 1)); break;
            case Dictionary<string, object?> dict:
                Items('{', '}', dict, pair =>
                {
                    JsonString(text, pair.Key);
                    text.Append(": ");
                    WriteJson(text, pair.Value, indent, depth + 1);
                });
                break;
            default: throw new TemplateError($"Object of type {TypeName(value)} is not JSON serializable");
        }
    }

    private static void JsonString(StringBuilder text, string s)
    {
        text.Append('"');
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                _ when c < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        text.Append('"');
    }
}
