using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Runtime;

namespace Pipelines.Expressions;

/// <summary>
/// Evaluates <c>${{ }}</c> expressions with Jint in a sandbox: no CLR, no <c>eval</c> or <c>Function</c>, no modules,
/// and limits on time, statements, memory and recursion. Scripts are parsed once per source and shared; an
/// evaluator binds one scope and is not thread-safe (create one per step resolution).
/// </summary>
public sealed class ExpressionSandbox
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMilliseconds(500);
    public const int StatementLimit = 100_000;
    public const long MemoryLimitBytes = 32 * 1024 * 1024;
    public const int RecursionLimit = 64;

    /// <summary>
    /// Jint checks memory between statements, so one native call could still build a huge string; no built-in may make
    /// text longer than this (<see cref="BoundedBuiltins"/>), and no result (as text or as JSON) may be longer either.
    /// </summary>
    public const int MaxResultChars = 16 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, Prepared<Script>> Prepared = new(StringComparer.Ordinal);

    private readonly Engine _engine;
    private readonly JsValue _stringify;

    public ExpressionSandbox(ExpressionScope scope)
    {
        _engine = new Engine(options =>
        {
            options.Strict()
                .TimeoutInterval(TimeLimit)
                .MaxStatements(StatementLimit)
                .LimitMemory(MemoryLimitBytes)
                .LimitRecursion(RecursionLimit)
                .MaxArraySize(1_000_000)
                .DisableStringCompilation()
                .RegexTimeoutInterval(TimeSpan.FromMilliseconds(100))
                .Culture(CultureInfo.InvariantCulture)
                .LocalTimeZone(TimeZoneInfo.Utc);
            // Native recursion (a deep array joined or serialised, getters calling getters) becomes a RangeError
            // instead of a stack overflow, which no catch sees and which ends the process.
            options.Constraints.StackOverflowGuard = true;
            options.Json.MaxParseDepth = BoundedBuiltins.MaxJsonDepth;
        });

        _freeze = _engine.Intrinsics.Object.Get("freeze");
        _stringify = SandboxRealm.Lockdown(_engine, _freeze, MaxResultChars);

        // The context is frozen: one expression cannot change what the next one reads.
        _engine.SetValue("params", ToJs(scope.Params));
        _engine.SetValue("steps", ToJs(scope.Steps));
        _engine.SetValue("matrix", scope.Matrix is null ? JsValue.Undefined : ToJs(scope.Matrix));
        _engine.SetValue("run", ToJs(scope.Run));
        _engine.SetValue("item", scope.Item is null ? JsValue.Undefined : ToJs(scope.Item));
        _engine.SetValue("secrets", SecretsObject.Create(_engine, scope.Secrets));
        foreach (var (name, value) in scope.Locals ?? [])
        {
            if (ExpressionScope.Roots.Contains(name)) throw new ArgumentException($"'{name}' is a root of every expression and cannot be bound again", nameof(scope));
            _engine.SetValue(name, value is null ? JsValue.Null : ToJs(value));
        }
    }

    private readonly JsValue _freeze;

    /// <summary>
    /// Evaluates one expression (the text inside <c>${{ }}</c>) to a JSON value (null for undefined/null). Whatever the
    /// expression does — throw anything, hit a limit, return a value JSON cannot hold — ends as an
    /// <see cref="ExpressionException"/> with a one-line reason, never as another exception.
    /// </summary>
    public JsonNode? Evaluate(string expression)
    {
        try
        {
            return ToJson(expression, _engine.Evaluate(Prepare(expression)));
        }
        catch (ExpressionException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new ExpressionException(expression, OneLine(Reason(e)), e);
        }
    }

    /// <summary>A thrown value's text can be anything: kept to one line of reasonable length.</summary>
    private static string OneLine(string reason)
    {
        const int MaxReason = 300;
        var line = reason.ReplaceLineEndings("\\n").Replace("\t", "\\t", StringComparison.Ordinal);
        return line.Length <= MaxReason ? line : string.Concat(line.AsSpan(0, MaxReason), "…");
    }

    private static string Reason(Exception e) => e switch
    {
        JavaScriptException js => js.Message,
        TimeoutException => $"took longer than {TimeLimit.TotalMilliseconds:0} ms",
        StatementsCountOverflowException => $"ran more than {StatementLimit:N0} statements",
        MemoryLimitExceededException => $"used more than {MemoryLimitBytes / (1024 * 1024)} MiB",
        RecursionDepthOverflowException => $"recursed deeper than {RecursionLimit} calls",
        InvalidOperationException when e.Message.Contains("Module loading", StringComparison.Ordinal) => "modules cannot be imported in expressions",
        OutOfMemoryException => $"used more than {MemoryLimitBytes / (1024 * 1024)} MiB",
        _ => e.Message,
    };

    /// <summary>
    /// Renders a scalar: a single expression keeps its value's type; otherwise the parts are joined as a string
    /// (objects and lists as JSON, null as an empty string).
    /// </summary>
    public JsonNode? Render(TemplateString template)
    {
        if (template.IsSingleExpression)
        {
            return Evaluate(template.Parts[0].Text);
        }

        var text = new StringBuilder();
        foreach (var part in template.Parts)
        {
            if (!part.IsExpression)
            {
                text.Append(part.Text);
                continue;
            }

            switch (Evaluate(part.Text))
            {
                case null:
                    break;
                case JsonValue scalar when scalar.TryGetValue<string>(out var s):
                    text.Append(s);
                    break;
                case var other:
                    text.Append(other.ToJsonString());
                    break;
            }
        }

        return JsonValue.Create(text.ToString());
    }

    /// <summary>
    /// Parses once per distinct source. The source must be one expression (checked by the same parser validation
    /// uses), so nothing like <c>1); stealth(); (1</c> can slip statements past the parentheses.
    /// </summary>
    private static Prepared<Script> Prepare(string expression)
    {
        if (Prepared.TryGetValue(expression, out var cached)) return cached;
        var parsed = ParsedExpression.Parse(expression);
        if (parsed.Error is { } error)
        {
            throw new ExpressionException(expression, $"invalid expression: {error.Message}");
        }

        try
        {
            return Prepared.GetOrAdd(expression, static source => Engine.PrepareScript("(" + source + "\n)", strict: true));
        }
        catch (ScriptPreparationException e)
        {
            throw new ExpressionException(expression, $"invalid expression: {e.Message}", e);
        }
    }

    private JsValue ToJs(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return JsValue.Null;
            case JsonObject obj:
                var target = new JsObject(_engine);
                foreach (var (key, value) in obj) target.Set(key, ToJs(value));
                return Freeze(target);
            case JsonArray array:
                return Freeze(new JsArray(_engine, array.Select(ToJs).ToArray()));
            default:
                var scalar = node.AsValue();
                return scalar.GetValueKind() switch
                {
                    System.Text.Json.JsonValueKind.True => JsBoolean.True,
                    System.Text.Json.JsonValueKind.False => JsBoolean.False,
                    System.Text.Json.JsonValueKind.Number => new JsNumber(Json.JsonNumbers.AsDouble(scalar)!.Value),
                    System.Text.Json.JsonValueKind.String => new JsString(scalar.GetValue<string>()),
                    _ => JsValue.Null,
                };
        }
    }

    private JsValue Freeze(JsValue value) => _engine.Invoke(_freeze, value);

    private static ExpressionException TooLarge(string expression) =>
        new(expression, $"the result is larger than {MaxResultChars / (1024 * 1024)} Mi characters; pass large data as an artifact");

    private JsonNode? ToJson(string expression, JsValue value)
    {
        if (value.IsUndefined() || value.IsNull())
        {
            return null;
        }

        if (value is Jint.Native.Function.Function)
        {
            throw new ExpressionException(expression, "the result is a function, not a value");
        }

        if (value.IsBigInt())
        {
            throw new ExpressionException(expression, "the result is a BigInt, which JSON cannot hold; convert it with Number(...) or String(...)");
        }

        if (value.IsSymbol())
        {
            throw new ExpressionException(expression, "the result is a symbol, not a value");
        }

        if (value.IsNumber())
        {
            var number = value.AsNumber();
            if (double.IsNaN(number) || double.IsInfinity(number))
            {
                throw new ExpressionException(expression, $"the result is {value}, not a finite number");
            }

            return number == Math.Floor(number) && Math.Abs(number) < 9e15 ? JsonValue.Create((long)number) : JsonValue.Create(number);
        }

        if (value.IsBoolean()) return JsonValue.Create(value.AsBoolean());
        if (value.IsString())
        {
            var text = value.AsString();
            return text.Length <= MaxResultChars ? JsonValue.Create(text) : throw TooLarge(expression);
        }

        // The bounded JSON.stringify: limited in length and depth, and a RangeError rather than a stack overflow.
        var json = _engine.Invoke(_stringify, value);
        return json.IsUndefined() ? null : JsonNode.Parse(json.AsString(), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = BoundedBuiltins.MaxJsonDepth + 1 });
    }
}
