using System.Globalization;
using System.Text;
using static Pipelines.Activities.Models.Tokenization.ChatTemplateValues;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// The filters, tests, functions and methods a chat template can use: those real templates use, with Jinja's and
/// Python's meaning. Nothing here reaches outside the values it is given (the one clock, <c>strftime_now</c>, is the
/// time the caller passes), and <c>range</c> stops at Jinja's sandbox limit.
/// </summary>
internal static class ChatTemplateBuiltins
{
    private const int MaxRange = 100_000; // Jinja's sandbox MAX_RANGE
    private static readonly System.Buffers.SearchValues<char> Whitespace = System.Buffers.SearchValues.Create(" \t\n\r\f\v");

    private delegate object? Filter(object? value, Args args);

    private static readonly Dictionary<string, Filter> FilterTable = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a) => a.Get(0, "chars") is string chars ? Str(v).Trim(chars.ToCharArray()) : Str(v).Trim(),
        ["length"] = (v, _) => Length(v),
        ["count"] = (v, _) => Length(v),
        ["upper"] = (v, _) => Str(v).ToUpperInvariant(),
        ["lower"] = (v, _) => Str(v).ToLowerInvariant(),
        ["capitalize"] = (v, _) => Capitalize(Str(v)),
        ["title"] = (v, _) => Title(Str(v)),
        ["default"] = Default,
        ["d"] = Default,
        ["tojson"] = (v, a) => ChatTemplateValues.Json(v, a.Get(0, "indent") is long indent ? (int)indent : null),
        ["string"] = (v, _) => Str(v),
        ["int"] = (v, a) => Number(v) is { } n ? (long)Math.Truncate(n) : long.TryParse(Str(v).Trim(), CultureInfo.InvariantCulture, out var l) ? l : a.Get(0, "default") ?? 0L,
        ["float"] = (v, a) => Number(v) ?? (double.TryParse(Str(v).Trim(), CultureInfo.InvariantCulture, out var d) ? d : a.Get(0, "default") ?? 0.0),
        ["join"] = (v, a) => string.Join(Str(a.Get(0, "d") ?? ""), Items(v).Select(item => Str(a.Get(1, "attribute") is string attribute ? Member(item, attribute) : item))),
        ["first"] = (v, _) => Items(v) is { Count: > 0 } items ? items[0] : new Undefined("the sequence is empty"),
        ["last"] = (v, _) => Items(v) is { Count: > 0 } items ? items[^1] : new Undefined("the sequence is empty"),
        ["list"] = (v, _) => new List<object?>(Items(v)),
        ["reverse"] = (v, _) => v is string s ? new string([.. s.Reverse()]) : Items(v).AsEnumerable().Reverse().ToList(),
        ["replace"] = (v, a) => Replace(Str(v), Str(a.Require(0, "old")), Str(a.Require(1, "new")), a.Get(2, "count") as long?),
        ["items"] = (v, _) => v is Undefined ? new List<object?>() : AsDict(v).Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
        ["safe"] = (v, _) => v,
        ["abs"] = (v, _) => v switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), _ => throw new TemplateError($"bad operand type for abs(): '{TypeName(v)}'") },
        ["selectattr"] = (v, a) => Select(v, a, keep: true),
        ["rejectattr"] = (v, a) => Select(v, a, keep: false),
        ["map"] = Map,
    };

    private delegate bool Test(object? value, Args args);

    private static readonly Dictionary<string, Test> TestTable = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["string"] = (v, _) => v is string,
        ["number"] = (v, _) => v is bool or long or double,
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["mapping"] = (v, _) => v is Dictionary<string, object?>,
        ["sequence"] = (v, _) => v is string or List<object?> or Dictionary<string, object?>,
        ["iterable"] = (v, _) => v is string or List<object?> or Dictionary<string, object?>,
        ["even"] = (v, _) => v is long l && l % 2 == 0,
        ["odd"] = (v, _) => v is long l && l % 2 != 0,
        ["divisibleby"] = (v, a) => v is long l && a.Require(0, "num") is long n && n != 0 && l % n == 0,
        ["eq"] = (v, a) => AreEqual(v, a.Require(0, "other")),
        ["equalto"] = (v, a) => AreEqual(v, a.Require(0, "other")),
        ["ne"] = (v, a) => !AreEqual(v, a.Require(0, "other")),
        ["in"] = (v, a) => Contains(a.Require(0, "seq"), v),
        ["lower"] = (v, _) => v is string s && string.Equals(s, s.ToLowerInvariant(), StringComparison.Ordinal),
        ["upper"] = (v, _) => v is string s && string.Equals(s, s.ToUpperInvariant(), StringComparison.Ordinal),
    };

    /// <summary>The functions a template may call by name.</summary>
    public static readonly IReadOnlyList<string> Functions = ["raise_exception", "namespace", "range", "strftime_now"];

    /// <summary>The methods of strings and dicts a template may call.</summary>
    public static readonly IReadOnlyList<string> Methods = ["strip", "lstrip", "rstrip", "startswith", "endswith", "split", "upper", "lower", "title", "capitalize", "replace", "get", "items", "keys", "values"];

    public static IReadOnlyCollection<string> Filters => FilterTable.Keys;

    public static IReadOnlyCollection<string> Tests => TestTable.Keys;

    public static object? ApplyFilter(string name, object? value, IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named) =>
        FilterTable[name](value, new Args(positional, named));

    public static bool ApplyTest(string name, object? value, IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named) =>
        TestTable[name](value, new Args(positional, named));

    /// <summary>The global function <paramref name="name"/>; <c>strftime_now</c> formats <paramref name="now"/>.</summary>
    public static TemplateFunction Function(string name, DateTimeOffset? now) => name switch
    {
        "raise_exception" => new(name, (p, n) => throw new TemplateRaised(Str(new Args(p, n).Require(0, "message")))),
        "namespace" => new(name, (p, n) =>
        {
            var ns = new TemplateNamespace();
            if (p.Count > 0) foreach (var (key, value) in AsDict(p[0])) ns[key] = value;
            foreach (var (key, value) in n) ns[key] = value;
            return ns;
        }),
        "range" => new(name, (p, _) => Range(p)),
        "strftime_now" => new(name, (p, n) => Strftime(now ?? throw new TemplateError("strftime_now has no clock here"), Str(new Args(p, n).Require(0, "format")))),
        _ => throw new InvalidOperationException(name),
    };

    /// <summary><paramref name="name"/> as a method of <paramref name="target"/>, or null when its type has no such method.</summary>
    public static TemplateFunction? Method(object? target, string name)
    {
        TemplateFunction Bound(Func<Args, object?> body) => new(name, (p, n) => body(new Args(p, n)));
        return (target, name) switch
        {
            (string s, "strip") => Bound(a => a.Get(0, "chars") is string c ? s.Trim(c.ToCharArray()) : s.Trim()),
            (string s, "lstrip") => Bound(a => a.Get(0, "chars") is string c ? s.TrimStart(c.ToCharArray()) : s.TrimStart()),
            (string s, "rstrip") => Bound(a => a.Get(0, "chars") is string c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd()),
            (string s, "startswith") => Bound(a => Affixes(a.Require(0, "prefix")).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
            (string s, "endswith") => Bound(a => Affixes(a.Require(0, "suffix")).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
            (string s, "split") => Bound(a => Split(s, a.Get(0, "sep") as string, a.Get(1, "maxsplit") as long? ?? -1)),
            (string s, "upper") => Bound(_ => s.ToUpperInvariant()),
            (string s, "lower") => Bound(_ => s.ToLowerInvariant()),
            (string s, "title") => Bound(_ => Title(s)),
            (string s, "capitalize") => Bound(_ => Capitalize(s)),
            (string s, "replace") => Bound(a => Replace(s, Str(a.Require(0, "old")), Str(a.Require(1, "new")), a.Get(2, "count") as long?)),
            (Dictionary<string, object?> d, "get") => Bound(a => d.TryGetValue(Str(a.Require(0, "key")), out var v) ? v : a.Get(1, "default")),
            (Dictionary<string, object?> d, "items") => Bound(_ => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
            (Dictionary<string, object?> d, "keys") => Bound(_ => d.Keys.Select(k => (object?)k).ToList()),
            (Dictionary<string, object?> d, "values") => Bound(_ => d.Values.ToList()),
            _ => null,
        };
    }

    /// <summary><c>value.name</c> or <c>value['name']</c> on a dict; undefined when it has none.</summary>
    public static object? Member(object? value, string name) => value switch
    {
        Undefined u => throw new TemplateError(u.Why),
        Dictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : new Undefined($"'{TypeName(value)} object' has no attribute '{name}'"),
        _ => new Undefined($"'{TypeName(value)} object' has no attribute '{name}'"),
    };

    /// <summary>Python's <c>in</c>: a substring, a list item, a dict key.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string part => s.Contains(part, StringComparison.Ordinal),
        string => throw new TemplateError($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        List<object?> list => list.Any(x => AreEqual(x, item)),
        Dictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        Undefined => false,
        _ => throw new TemplateError($"argument of type '{TypeName(container)}' is not iterable"),
    };

    private static Dictionary<string, object?> AsDict(object? value) =>
        value as Dictionary<string, object?> ?? throw new TemplateError($"expected a dict, not {TypeName(value)}");

    private static object? Default(object? value, Args args)
    {
        var fallback = args.Get(0, "default_value") ?? "";
        var boolean = args.Get(1, "boolean") is true;
        return value is Undefined || (boolean && !Truthy(value)) ? fallback : value;
    }

    /// <summary><c>selectattr('attr'[, 'test', arg])</c> / <c>rejectattr</c>: the items whose attribute passes the test (truth by default).</summary>
    private static List<object?> Select(object? value, Args args, bool keep)
    {
        var attribute = Str(args.Require(0, "attribute"));
        var test = args.Get(1, "test") is string name ? name : null;
        if (test is not null && !TestTable.ContainsKey(test)) throw new TemplateError($"unknown test '{test}'");
        var rest = args.Positional.Skip(2).ToList();
        return Items(value).Where(item =>
        {
            var member = Member(item, attribute);
            var passes = test is null ? Truthy(member) : TestTable[test](member, new Args(rest, new Dictionary<string, object?>()));
            return passes == keep;
        }).ToList();
    }

    /// <summary><c>map(attribute='name')</c> or <c>map('filter', args...)</c>.</summary>
    private static object? Map(object? value, Args args)
    {
        if (args.Named.TryGetValue("attribute", out var attribute))
        {
            return Items(value).Select(item => Member(item, Str(attribute)) is Undefined && args.Named.TryGetValue("default", out var d) ? d : Member(item, Str(attribute))).ToList();
        }

        var filter = Str(args.Require(0, "filter"));
        if (!FilterTable.TryGetValue(filter, out var apply)) throw new TemplateError($"unknown filter '{filter}'");
        var rest = new Args([.. args.Positional.Skip(1)], new Dictionary<string, object?>());
        return Items(value).Select(item => apply(item, rest)).ToList();
    }

    private static List<object?> Range(IReadOnlyList<object?> p)
    {
        long Whole(object? v) => v as long? ?? throw new TemplateError($"range() takes whole numbers, not {TypeName(v)}");
        var (start, stop, step) = p.Count switch
        {
            1 => (0L, Whole(p[0]), 1L),
            2 => (Whole(p[0]), Whole(p[1]), 1L),
            3 => (Whole(p[0]), Whole(p[1]), Whole(p[2])),
            _ => throw new TemplateError("range() takes 1 to 3 arguments"),
        };
        if (step == 0) throw new TemplateError("range() arg 3 must not be zero");
        var count = Math.Max(0, step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step);
        if (count > MaxRange) throw new TemplateError($"range() too big: {count} items, at most {MaxRange}");
        return [.. Enumerable.Range(0, (int)count).Select(i => (object?)(start + i * step))];
    }

    private static IEnumerable<string> Affixes(object? value) => value switch
    {
        string s => [s],
        List<object?> list => list.Select(Str),
        _ => throw new TemplateError($"expected a string or a list of strings, not {TypeName(value)}"),
    };

    /// <summary>Python's <c>str.split</c>: on runs of whitespace (no empty parts) without a separator, else on the separator exactly.</summary>
    private static List<object?> Split(string s, string? separator, long maxSplit)
    {
        if (separator == "") throw new TemplateError("empty separator");
        var parts = new List<object?>();
        var rest = separator is null ? s.TrimStart() : s;
        while (rest.Length > 0 || separator is not null)
        {
            var at = separator is null ? rest.AsSpan().IndexOfAny(Whitespace) : rest.IndexOf(separator, StringComparison.Ordinal);
            if (at < 0 || (maxSplit >= 0 && parts.Count >= maxSplit))
            {
                parts.Add(separator is null && maxSplit < 0 ? rest.TrimEnd() : rest);
                break;
            }

            parts.Add(rest[..at]);
            rest = separator is null ? rest[at..].TrimStart() : rest[(at + separator.Length)..];
        }

        return separator is null ? [.. parts.Where(p => ((string)p!).Length > 0)] : parts;
    }

    private static string Replace(string s, string old, string replacement, long? count)
    {
        if (count is not { } n || n < 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        var text = new StringBuilder();
        var from = 0;
        for (var done = 0L; done < n; done++)
        {
            var at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            text.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
        }

        return text.Append(s, from, s.Length - from).ToString();
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Title(string s)
    {
        var text = new StringBuilder(s.Length);
        var previousLetter = false;
        foreach (var c in s)
        {
            text.Append(previousLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousLetter = char.IsLetter(c);
        }

        return text.ToString();
    }

    /// <summary>Python's <c>strftime</c> for the directives chat templates date themselves with.</summary>
    private static string Strftime(DateTimeOffset now, string format)
    {
        var text = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                text.Append(format[i]);
                continue;
            }

            var c = format[++i];
            var unpadded = c == '-' && i + 1 < format.Length;
            if (unpadded) c = format[++i];
            var part = c switch
            {
                'd' => now.ToString("dd", CultureInfo.InvariantCulture),
                'm' => now.ToString("MM", CultureInfo.InvariantCulture),
                'Y' => now.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => now.ToString("yy", CultureInfo.InvariantCulture),
                'H' => now.ToString("HH", CultureInfo.InvariantCulture),
                'I' => now.ToString("hh", CultureInfo.InvariantCulture),
                'M' => now.ToString("mm", CultureInfo.InvariantCulture),
                'S' => now.ToString("ss", CultureInfo.InvariantCulture),
                'p' => now.ToString("tt", CultureInfo.InvariantCulture),
                'b' => now.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => now.ToString("MMMM", CultureInfo.InvariantCulture),
                'a' => now.ToString("ddd", CultureInfo.InvariantCulture),
                'A' => now.ToString("dddd", CultureInfo.InvariantCulture),
                'j' => now.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => throw new TemplateError($"strftime_now: the directive '%{c}' is not supported"),
            };
            text.Append(unpadded && part.Length > 1 && part[0] == '0' ? part.TrimStart('0').PadLeft(1, '0') : part);
        }

        return text.ToString();
    }

    /// <summary>Positional and named arguments, read by place or by Python's parameter name.</summary>
    private sealed record Args(IReadOnlyList<object?> Positional, IReadOnlyDictionary<string, object?> Named)
    {
        public object? Get(int index, string name) => index < Positional.Count ? Positional[index] : Named.GetValueOrDefault(name);

        public object? Require(int index, string name) => index < Positional.Count || Named.ContainsKey(name)
            ? Get(index, name)
            : throw new TemplateError($"missing argument '{name}'");
    }
}
