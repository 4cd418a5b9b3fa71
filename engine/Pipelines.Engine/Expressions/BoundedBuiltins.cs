using Jint;
using Jint.Native;
using Jint.Native.Error;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Pipelines.Expressions;

/// <summary>
/// Replaces the built-ins that can return far more text than they were given in one native call — <c>repeat</c>,
/// <c>padStart</c>/<c>padEnd</c>, <c>concat</c>, <c>replace</c>/<c>replaceAll</c>, array <c>join</c> (behind every
/// array-to-string conversion), URI encoding, case mapping, <c>normalize</c> and <c>JSON.stringify</c> — with versions
/// that work out the length of their result before they build it and refuse one longer than
/// <see cref="ExpressionSandbox.MaxResultChars"/>. Jint measures memory only between statements, so without this a
/// single call such as <c>'x'.repeat(5e8)</c> allocated a gigabyte before any limit could see it.
/// </summary>
internal sealed class BoundedBuiltins
{
    /// <summary>How deep JSON may nest (System.Text.Json's own default, which reads the result back).</summary>
    public const int MaxJsonDepth = 64;

    private const int CheckEvery = 4096;

    private readonly Engine _engine;
    private readonly ErrorConstructor _rangeError;
    private readonly ErrorConstructor _typeError;
    private readonly int _limit;
    private readonly HashSet<ObjectInstance> _joining = new(ReferenceEqualityComparer.Instance);
    private JsValue _stringify = JsValue.Undefined;

    private BoundedBuiltins(Engine engine, int limit)
    {
        _engine = engine;
        _limit = limit;
        _rangeError = (ErrorConstructor)engine.Global.Get("RangeError");
        _typeError = engine.Intrinsics.TypeError;
    }

    /// <summary>Installs the bounded versions into <paramref name="engine"/>'s built-ins; returns the bounded <c>JSON.stringify</c>.</summary>
    public static JsValue Install(Engine engine, int limit)
    {
        var bounded = new BoundedBuiltins(engine, limit);
        bounded.InstallAll();
        return bounded._stringify;
    }

    private void InstallAll()
    {
        var global = _engine.Global;
        var stringPrototype = Prototype("String");
        var arrayPrototype = Prototype("Array");
        var regExpPrototype = Prototype("RegExp");
        var json = global.Get("JSON").AsObject();

        var repeat = stringPrototype.Get("repeat");
        Replace(stringPrototype, "repeat", 1, (self, args) =>
        {
            var text = ThisString(self, "repeat");
            var count = TypeConverter.ToIntegerOrInfinity(Arg(args, 0));
            if (count >= 0 && !double.IsInfinity(count)) Require((double)text.Length * count, "repeat");
            return _engine.Call(repeat, text, [count]);
        });

        foreach (var name in new[] { "padStart", "padEnd" })
        {
            var pad = stringPrototype.Get(name);
            Replace(stringPrototype, name, 1, (self, args) =>
            {
                var text = ThisString(self, name);
                var length = (double)TypeConverter.ToLength(Arg(args, 0));
                Require(length, name);
                return _engine.Call(pad, text, [length, Arg(args, 1)]);
            });
        }

        Replace(stringPrototype, "concat", 1, (self, args) =>
        {
            var parts = new string[args.Length + 1];
            parts[0] = ThisString(self, "concat");
            double total = parts[0].Length;
            for (var i = 0; i < args.Length; i++)
            {
                parts[i + 1] = TypeConverter.ToString(args[i]);
                total += parts[i + 1].Length;
                Require(total, "concat");
            }

            return string.Concat(parts);
        });

        foreach (var name in new[] { "replace", "replaceAll" })
        {
            var original = stringPrototype.Get(name);
            Replace(stringPrototype, name, 2, (self, args) => StringReplace(original, name, self, args));
        }

        var symbolReplace = WellKnownSymbol(regExpPrototype, "Symbol(Symbol.replace)");
        var symbolMatch = WellKnownSymbol(regExpPrototype, "Symbol(Symbol.match)");
        var regExpReplace = regExpPrototype.Get(symbolReplace);
        var regExpMatch = regExpPrototype.Get(symbolMatch);
        Replace(regExpPrototype, symbolReplace, "[Symbol.replace]", 2,
            (self, args) => RegExpReplace(regExpReplace, regExpMatch, regExpPrototype, self, args));

        Replace(arrayPrototype, "join", 1, Join);
        // Array's toLocaleString joins without looking up join; Object's (which then applies) calls toString, which does.
        arrayPrototype.Delete("toLocaleString");
        global.Get("String").AsObject().Delete("raw"); // joins its template's parts the same way

        // Case mapping, normalisation and URI encoding grow text by a bounded factor at most (18 for NFKD, 9 for a
        // three-byte character percent-encoded); refusing inputs that could outgrow the limit keeps chains bounded.
        foreach (var (owner, name, factor) in new (ObjectInstance, string, int)[]
                 {
                     (stringPrototype, "toUpperCase", 3), (stringPrototype, "toLowerCase", 3), (stringPrototype, "toLocaleUpperCase", 3),
                     (stringPrototype, "toLocaleLowerCase", 3), (stringPrototype, "normalize", 18), (global, "encodeURI", 9),
                     (global, "encodeURIComponent", 9),
                 })
        {
            var original = owner.Get(name);
            var onThis = owner == stringPrototype;
            Replace(owner, name, onThis ? 0 : 1, (self, args) =>
            {
                var text = onThis ? ThisString(self, name) : TypeConverter.ToString(Arg(args, 0));
                Require((double)text.Length * factor, name);
                return onThis ? _engine.Call(original, text, args) : _engine.Call(original, JsValue.Undefined, [text]);
            });
        }

        var stringify = json.Get("stringify");
        Replace(json, "stringify", 3, (_, args) => Stringify(stringify, Arg(args, 0), Arg(args, 1), Arg(args, 2)));
        _stringify = json.Get("stringify");
    }

    private JsValue StringReplace(JsValue original, string name, JsValue self, JsValue[] args)
    {
        var pattern = Arg(args, 0);
        if (pattern.IsObject())
        {
            return _engine.Call(original, self, args); // a RegExp: its own [Symbol.replace] (bounded below) does the work
        }

        var text = ThisString(self, name);
        var search = TypeConverter.ToString(pattern);
        var replacement = Arg(args, 1);
        if (replacement.IsObject() && replacement.AsObject() is Jint.Native.Function.Function function)
        {
            return _engine.Call(original, text, [search, Counted(function, text.Length, name)]);
        }

        var template = TypeConverter.ToString(replacement);
        var matches = name == "replace" ? (text.Contains(search, StringComparison.Ordinal) ? 1 : 0) : Occurrences(text, search);
        var (literal, perMatch, whole) = Expansion(template, regExp: false);
        Require(text.Length + matches * (literal + perMatch * (double)search.Length + whole * (double)text.Length), name);
        return _engine.Call(original, text, [search, template]);
    }

    /// <summary>
    /// <c>RegExp.prototype[Symbol.replace]</c>, which both <c>replace</c> and <c>replaceAll</c> reach with a regular
    /// expression. The bound needs the matches, so only plain expressions are accepted (the prototype is frozen, and a
    /// subclass or an own <c>exec</c> could match differently when counted than when replaced).
    /// </summary>
    private JsValue RegExpReplace(JsValue original, JsValue match, ObjectInstance prototype, JsValue self, JsValue[] args)
    {
        if (self is not ObjectInstance regExp || regExp.Prototype != prototype || regExp.GetOwnPropertyKeys().Any(k => k.ToString() != "lastIndex"))
        {
            throw new JavaScriptException(_typeError, "replace accepts only plain regular expressions in pipeline expressions");
        }

        var text = TypeConverter.ToString(Arg(args, 0));
        var replacement = Arg(args, 1);
        if (replacement.IsObject() && replacement.AsObject() is Jint.Native.Function.Function function)
        {
            return _engine.Call(original, regExp, [text, Counted(function, text.Length, "replace")]);
        }

        var template = TypeConverter.ToString(replacement);
        var (literal, perMatch, whole) = Expansion(template, regExp: true);
        var global = TypeConverter.ToBoolean(regExp.Get("global"));
        var atMost = global ? text.Length + 1.0 : 1.0;
        if (text.Length + atMost * (literal + (perMatch + whole) * (double)text.Length) > _limit)
        {
            // Too long in the worst case: count what the matches actually add (a match is at most the whole text).
            double total = text.Length;
            var found = _engine.Call(match, regExp, [text]);
            if (found.IsObject())
            {
                var matches = found.AsObject();
                var count = (long)TypeConverter.ToLength(matches.Get("length"));
                for (var i = 0L; i < count; i++)
                {
                    total += literal + perMatch * (double)TypeConverter.ToString(matches.Get(i)).Length + whole * (double)text.Length;
                    Require(total, "replace");
                }
            }

            regExp.Set("lastIndex", 0);
        }

        return _engine.Call(original, regExp, [text, template]);
    }

    /// <summary>
    /// A replacement template's length without its <c>$</c> patterns, how many patterns insert at most the match
    /// (<c>$&amp;</c>, and for a regular expression <c>$1</c>..<c>$99</c> and <c>$&lt;name&gt;</c>), and how many insert
    /// at most the whole text (<c>$`</c>, <c>$'</c>).
    /// </summary>
    private static (double Literal, double PerMatch, double Whole) Expansion(string template, bool regExp)
    {
        double literal = 0, perMatch = 0, whole = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '$' || i + 1 == template.Length)
            {
                literal++;
                continue;
            }

            var next = template[i + 1];
            if (next is '&' || regExp && (char.IsAsciiDigit(next) || next == '<')) perMatch++;
            else if (next is '`' or '\'') whole++;
            else
            {
                literal++;
                continue;
            }

            i++;
        }

        return (literal, perMatch, whole);
    }

    /// <summary>Wraps a replacement function so that what it returns, summed over the matches, stays within the limit.</summary>
    private ClrFunction Counted(Jint.Native.Function.Function function, int textLength, string name)
    {
        double total = textLength;
        return new ClrFunction(_engine, "replacer", (self, args) =>
        {
            var result = TypeConverter.ToString(_engine.Call(function, self, args));
            total += result.Length;
            Require(total, name);
            return result;
        }, function.Get("length").IsNumber() ? (int)function.Get("length").AsNumber() : 0);
    }

    /// <summary>
    /// Array.prototype.join as the specification writes it, summing the length before building the text. A cycle
    /// joins as empty text, as browsers do; nesting deeper than <see cref="MaxJsonDepth"/> arrays is refused rather
    /// than recursed into.
    /// </summary>
    private JsValue Join(JsValue self, JsValue[] args)
    {
        var array = self as ObjectInstance ?? (self.IsNull() || self.IsUndefined()
            ? throw new JavaScriptException(_typeError, "Array.prototype.join called on null or undefined")
            : _engine.Intrinsics.Object.Construct([self], _engine.Intrinsics.Object));
        var length = TypeConverter.ToLength(array.Get("length"));
        var separator = Arg(args, 0).IsUndefined() ? "," : TypeConverter.ToString(Arg(args, 0));
        if (length == 0 || !_joining.Add(array)) return JsString.Empty;
        try
        {
            if (_joining.Count > MaxJsonDepth)
            {
                throw new JavaScriptException(_rangeError, $"arrays nested deeper than {MaxJsonDepth} levels cannot be joined");
            }

            // Every part is converted (once, as the specification does) and counted before any text is built.
            var parts = new List<string>();
            var total = 0.0;
            for (var i = 0UL; i < length; i++)
            {
                var element = array.Get(JsNumber.Create((double)i));
                var part = element.IsNull() || element.IsUndefined() ? "" : TypeConverter.ToString(element);
                total += part.Length + (i > 0 ? separator.Length : 0);
                Require(total, "join");
                parts.Add(part);
                if (i % CheckEvery == CheckEvery - 1) _engine.Constraints.Check(); // the time limit, over a huge array-like
            }

            return string.Join(separator, parts);
        }
        finally
        {
            _joining.Remove(array);
        }
    }

    /// <summary>
    /// JSON.stringify through the original, with a replacer that sums the length of what is written and tracks the
    /// nesting before each value is written (a replacer sees every value, after its <c>toJSON</c>). A caller's replacer
    /// function runs inside it; a replacer list is applied by a second, plain call once the first has shown the size.
    /// </summary>
    private JsValue Stringify(JsValue original, JsValue value, JsValue replacer, JsValue space)
    {
        var callerFunction = replacer.IsObject() && replacer.AsObject() is Jint.Native.Function.Function f ? f : null;
        HashSet<string>? allowed = null;
        if (callerFunction is null && replacer.IsArray())
        {
            allowed = new HashSet<string>(StringComparer.Ordinal);
            var list = replacer.AsArray();
            for (var i = 0UL; i < TypeConverter.ToLength(list.Get("length")); i++)
            {
                var key = list.Get(JsNumber.Create((double)i));
                if (key.IsString() || key.IsNumber()) allowed.Add(TypeConverter.ToString(key));
            }
        }

        var indent = space.IsNumber() ? (int)Math.Clamp(TypeConverter.ToIntegerOrInfinity(space), 0, 10)
            : space.IsString() ? Math.Min(space.AsString().Length, 10) : 0;
        var budget = new JsonBudget(this, indent);
        var counting = new ClrFunction(_engine, "counted", (holder, args) =>
        {
            var key = TypeConverter.ToString(Arg(args, 0));
            var next = Arg(args, 1);
            if (callerFunction is not null) next = _engine.Call(callerFunction, holder, [key, next]);
            else if (allowed is not null && budget.Started && !holder.IsArray() && !allowed.Contains(key)) return JsValue.Undefined;
            return budget.Count(holder, key, next);
        }, 2);

        var written = _engine.Call(original, JsValue.Undefined, [value, counting, space]);
        return allowed is null ? written : _engine.Call(original, JsValue.Undefined, [value, replacer, space]);
    }

    /// <summary>What one stringify call has written so far, and the containers open around the value being written.</summary>
    private sealed class JsonBudget(BoundedBuiltins owner, int indent)
    {
        private readonly List<ObjectInstance> _open = [];
        private double _written;

        /// <summary>The root value has been seen: every later value is a property or an element.</summary>
        public bool Started { get; private set; }

        /// <summary>Counts <paramref name="value"/> before the serializer writes it, and returns what it must write.</summary>
        public JsValue Count(JsValue holder, string key, JsValue value)
        {
            // Values are written depth first: the holder is the innermost container still open.
            if (Started)
            {
                while (_open.Count > 0 && !ReferenceEquals(_open[^1], holder)) _open.RemoveAt(_open.Count - 1);
                _written += Escaped(key) + 2 + indent * (_open.Count + 1.0); // colon, comma, the indentation
            }

            Started = true;
            // A String or Number wrapper is written as its value: converted here, once, so what is counted is what is written.
            switch (value.GetType().Name)
            {
                case "StringInstance":
                    value = TypeConverter.ToString(value);
                    break;
                case "NumberInstance":
                    value = TypeConverter.ToNumber(value);
                    break;
            }

            if (value.IsString()) _written += Escaped(value.AsString());
            else if (value is ObjectInstance container and not Jint.Native.Function.Function)
            {
                _written += 24; // brackets, or a Boolean wrapper's value
                _open.Add(container);
                if (_open.Count > MaxJsonDepth)
                {
                    throw new JavaScriptException(owner._rangeError, $"the value is nested deeper than {MaxJsonDepth} levels");
                }
            }
            else _written += 24; // a number, boolean or null; nothing for undefined, functions and symbols, which are left out

            owner.Require(_written, "JSON.stringify");
            return value;
        }

        /// <summary>The quoted length of a string: control characters and lone surrogates are written as six.</summary>
        private static double Escaped(string text)
        {
            double length = text.Length + 2;
            foreach (var c in text)
            {
                if (c < 0x20 || char.IsSurrogate(c)) length += 5;
                else if (c is '"' or '\\') length += 1;
            }

            return length;
        }
    }

    /// <summary>Refuses a result of <paramref name="length"/> characters beyond the limit, as JavaScript refuses an over-long string.</summary>
    private void Require(double length, string name)
    {
        if (length > _limit)
        {
            throw new JavaScriptException(_rangeError,
                $"{name} would make text of {length:0} characters; expressions are limited to {_limit / (1024 * 1024)} Mi characters (pass large data as an artifact)");
        }
    }

    private string ThisString(JsValue self, string name) =>
        self.IsNull() || self.IsUndefined() ? throw new JavaScriptException(_typeError, $"String.prototype.{name} called on null or undefined") : TypeConverter.ToString(self);

    private static JsValue Arg(JsValue[] args, int index) => index < args.Length ? args[index] : JsValue.Undefined;

    private static long Occurrences(string text, string search)
    {
        if (search.Length == 0) return text.Length + 1L;
        var count = 0L;
        for (var at = text.IndexOf(search, StringComparison.Ordinal); at >= 0; at = text.IndexOf(search, at + search.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private ObjectInstance Prototype(string constructor) => _engine.Global.Get(constructor).AsObject().Get("prototype").AsObject();

    private static JsValue WellKnownSymbol(ObjectInstance owner, string description) =>
        owner.GetOwnPropertyKeys(Types.Symbol).Single(k => k.ToString() == description);

    private void Replace(ObjectInstance owner, string name, int length, Func<JsValue, JsValue[], JsValue> body) =>
        Replace(owner, name, name, length, body);

    private void Replace(ObjectInstance owner, JsValue key, string name, int length, Func<JsValue, JsValue[], JsValue> body) =>
        owner.DefineOwnProperty(key, new PropertyDescriptor(new ClrFunction(_engine, name, body, length), writable: true, enumerable: false, configurable: true));
}
