using Jint;
using Jint.Native;
using Jint.Runtime;

namespace Pipelines.Expressions;

/// <summary>
/// Prepares a fresh Jint realm for expressions: the global object keeps only the names an expression may use (so
/// <c>(() => this)()</c> reaches nothing the name check would refuse — no <c>Proxy</c>, <c>Reflect</c>,
/// <c>WeakRef</c> or <c>ShadowRealm</c>), the built-ins that could amplify text are bounded, and the built-in
/// prototypes are frozen, so an expression cannot re-wire what the bounds or the next expression rely on.
/// </summary>
internal static class SandboxRealm
{
    /// <summary>Locks the realm down; returns the bounded <c>JSON.stringify</c>, which results are converted with.</summary>
    public static JsValue Lockdown(Engine engine, JsValue freeze, int maxChars)
    {
        var global = engine.Global;
        var stringify = BoundedBuiltins.Install(engine, maxChars);

        var hardened = new List<JsValue> { global.Get("Object").AsObject().Get("prototype"), global.Get("Function").AsObject().Get("prototype") };
        foreach (var key in global.GetOwnPropertyKeys(Types.String))
        {
            var name = key.ToString();
            if (!ParsedExpression.Globals.Contains(name))
            {
                global.Delete(key); // undefined, NaN and Infinity are not configurable, and allowed anyway
                continue;
            }

            var value = global.Get(key);
            if (!value.IsObject()) continue;
            hardened.Add(value);
            if (value.AsObject().Get("prototype") is { } prototype && prototype.IsObject()) hardened.Add(prototype);
        }

        foreach (var target in hardened) engine.Invoke(freeze, target);
        return stringify;
    }
}
