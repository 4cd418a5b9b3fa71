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
    /// Jint checks memory between statements, so one statement can still build a big string; results beyond this
    /// many characters (of text or of JSON) are refused rather than passed on to a step.
    /// </summary>
    public const int MaxResultChars = 16 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, Prepared<Script>> Prepared = new(StringComparer.Ordinal);

    private readonly Engine _engine;

    public ExpressionSandbox(ExpressionScope scope)
    {
        _engine = new Engine(options => options
            .Strict()
            .TimeoutInterval(TimeLimit)
            .MaxStatements(StatementLimit)
            .LimitMemory(MemoryLimitBytes)
            .LimitRecursion(RecursionLimit)
            .MaxArraySize(1_000_000)
            .DisableStringCompilation()
            .RegexTimeoutInterval(TimeSpan.FromMilliseconds(100))
            .Culture(CultureInfo.InvariantCulture)
            .LocalTimeZone(TimeZoneInfo.Utc));

        // The context is frozen: one expression cannot change what the next one reads.
        _freeze = _engine.Intrinsics.Object.Get("freeze");
        _engine.SetValue("params", ToJs(scope.Params));
        _engine.SetValue("steps", ToJs(scope.Steps));
        _engine.SetValue("matrix", scope.Matrix is null ? JsValue.Undefined : ToJs(scope.Matrix));
        _engine.SetValue("run", ToJs(scope.Run));
        _engine.SetValue("item", scope.Item is null ? JsValue.Undefined : ToJs(scope.Item));
        _engine.SetValue("secrets", SecretsObject.Create(_engine, scope.Secrets));
    }

    private readonly JsValue _freeze;

    /// <summary>Evaluates one expression (the text inside <c>${{ }}</c>) to a JSON value (null for undefined/null).</summary>
    public JsonNode? Evaluate(string expression)
    {
        JsValue value;
        try
        {
            value = _engine.Evaluate(Prepare(expression));
        }
        catch (JavaScriptException e)
        {
            throw new ExpressionException(expression, e.Message, e);
        }
        catch (TimeoutException e)
        {
            throw new ExpressionException(expression, $"took longer than {TimeLimit.TotalMilliseconds:0} ms", e);
        }
        catch (StatementsCountOverflowException e)
        {
            throw new ExpressionException(expression, $"ran more than {StatementLimit:N0} statements", e);
        }
        catch (MemoryLimitExceededException e)
        {
            throw new ExpressionException(expression, $"used more than {MemoryLimitBytes / (1024 * 1024)} MiB", e);
        }
        catch (RecursionDepthOverflowException e)
        {
            throw new ExpressionException(expression, $"recursed deeper than {RecursionLimit} calls", e);
        }
        catch (JintException e)
        {
            throw new ExpressionException(expression, e.Message, e);
        }

        return ToJson(expression, value);
    }

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
        new(expression, $"the result is larger than {MaxResultChars / (1024 * 1024)} MiB; pass large data as an artifact");

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

        var json = new Jint.Native.Json.JsonSerializer(_engine).Serialize(value);
        if (json.IsUndefined()) return null;
        var serialized = json.AsString();
        return serialized.Length <= MaxResultChars ? JsonNode.Parse(serialized) : throw TooLarge(expression);
    }
}
