using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;

namespace Pipelines.Expressions;

/// <summary>
/// <c>secrets</c> in an expression: a frozen object whose names compare without case (<c>PIPELINES_SECRET_API_KEY</c>
/// is <c>secrets.api_key</c> and <c>secrets.API_KEY</c> alike), and where reading a secret that is not set throws
/// an error naming it and how to set it, instead of passing <c>undefined</c> on to a step. <c>'name' in secrets</c>
/// asks without throwing, for a secret that is optional.
/// </summary>
internal sealed class SecretsObject : ObjectInstance
{
    private static readonly string[] ProtocolProbes = ["toJSON", "then"];

    private SecretsObject(Engine engine)
        : base(engine)
    {
    }

    public static JsValue Create(Engine engine, IReadOnlyDictionary<string, string> secrets)
    {
        var target = new SecretsObject(engine);
        foreach (var (name, value) in secrets) target.Set(name.ToLowerInvariant(), value);
        return engine.Invoke(engine.Intrinsics.Object.Get("freeze"), target);
    }

    public override JsValue Get(JsValue property, JsValue receiver)
    {
        // Symbols and what every object has (toString, toJSON, ...) behave as on any object.
        if (!property.IsString() || base.HasProperty(property)) return base.Get(property, receiver);
        var name = property.AsString();
        var folded = new JsString(name.ToLowerInvariant());
        if (base.HasProperty(folded)) return base.Get(folded, receiver);
        if (ProtocolProbes.Contains(name)) return Undefined; // JSON.stringify asks for toJSON, promise resolution for then

        var known = GetOwnPropertyKeys(Types.String).Select(k => k.AsString()).Order(StringComparer.Ordinal).ToList();
        throw new JavaScriptException(Engine.Intrinsics.TypeError,
            $"secrets.{name} is not set: set the environment variable PIPELINES_SECRET_{name.ToUpperInvariant()} where the run executes "
            + $"(pipelines run, runs resume or serve); {(known.Count == 0 ? "no secrets are set" : "secrets set: " + string.Join(", ", known))}");
    }

    public override bool HasProperty(JsValue property) =>
        base.HasProperty(property) || property.IsString() && base.HasProperty(new JsString(property.AsString().ToLowerInvariant()));
}
