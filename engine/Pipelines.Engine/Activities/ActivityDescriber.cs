using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Activities;

/// <summary>Derives an <see cref="ActivityDescriptor"/> from an activity class and the attributes on its records.</summary>
public static class ActivityDescriber
{
    public static ActivityDescriptor Describe(Type implementation)
    {
        var attribute = implementation.GetCustomAttribute<ActivityAttribute>()
            ?? throw new InvalidOperationException($"{implementation.Name} has no [Activity] attribute");
        var contract = implementation.GetInterfaces()
            .SingleOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IActivity<,>))
            ?? throw new InvalidOperationException($"{implementation.Name} does not implement IActivity<TInputs, TOutputs>");
        var inputsType = contract.GetGenericArguments()[0];
        var outputsType = contract.GetGenericArguments()[1];
        var execute = typeof(ActivityDescriber).GetMethod(nameof(ExecuteTyped), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(inputsType, outputsType)
            .CreateDelegate<Func<object, JsonObject, ActivityContext, CancellationToken, Task<JsonObject>>>();

        return new ActivityDescriptor(
            attribute.Type,
            attribute.Version,
            attribute.Category,
            attribute.Description,
            attribute.Deterministic,
            Ports(inputsType, withDefaults: true),
            Ports(outputsType, withDefaults: false))
        {
            ImplementationType = implementation,
            Execute = execute,
            Inline = attribute.Inline,
            Revision = attribute.Revision,
        };
    }

    private static async Task<JsonObject> ExecuteTyped<TInputs, TOutputs>(object activity, JsonObject inputs, ActivityContext context, CancellationToken ct)
        where TInputs : class
        where TOutputs : class
    {
        TInputs bound;
        try
        {
            bound = PortJson.Bind<TInputs>(inputs);
        }
        catch (JsonException e)
        {
            throw new ActivityFailedException("invalid inputs: " + InputBindingError.Explain(e, typeof(TInputs)), retryable: false);
        }

        var outputs = await ((IActivity<TInputs, TOutputs>)activity).ExecuteAsync(bound, context, ct).ConfigureAwait(false);
        return PortJson.ToJson(outputs);
    }

    internal static IReadOnlyList<PortDescriptor> Ports(Type record, bool withDefaults, int depth = 0)
    {
        if (depth > 4) return [];
        object? sample = null;
        if (withDefaults && record.GetConstructor(Type.EmptyTypes) is not null)
        {
            sample = Activator.CreateInstance(record);
        }

        var ports = new List<PortDescriptor>();
        foreach (var property in record.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
        {
            if (property.Name == "EqualityContract") continue;
            var port = property.GetCustomAttribute<PortAttribute>();
            var range = property.GetCustomAttribute<RangeAttribute>();
            var oneOf = property.GetCustomAttribute<OneOfAttribute>()?.Values;
            var shape = ShapeOf(property.PropertyType, depth);
            var allowed = oneOf ?? (UnderlyingEnum(property.PropertyType) is { } e ? EnumNames(e) : null);
            var required = property.GetCustomAttribute<RequiredMemberAttribute>() is not null;
            ports.Add(new PortDescriptor(
                PortJson.NameOf(property),
                shape,
                port?.Description ?? "",
                required,
                !required && sample is not null ? DefaultOf(property, sample) : null,
                range?.Minimum,
                range?.Maximum,
                property.GetCustomAttribute<SensitiveAttribute>() is not null,
                allowed,
                property.GetCustomAttribute<LocalPathAttribute>() is not null)
            {
                Property = property,
            });
        }

        return ports;
    }

    private static JsonNode? DefaultOf(PropertyInfo property, object sample)
    {
        var value = property.GetValue(sample);
        return value is null ? null : JsonSerializer.SerializeToNode(value, property.PropertyType, PortJson.Options);
    }

    internal static ValueShape ShapeOf(Type type, int depth = 0)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return new ValueShape(ValueKind.String);
        if (type == typeof(bool)) return new ValueShape(ValueKind.Boolean);
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return new ValueShape(ValueKind.Integer);
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return new ValueShape(ValueKind.Number);
        if (type == typeof(TimeSpan)) return new ValueShape(ValueKind.String, Format: "duration");
        if (type.IsEnum) return new ValueShape(ValueKind.String);
        if (type == typeof(JsonObject)) return new ValueShape(ValueKind.Object);
        if (type == typeof(JsonArray)) return new ValueShape(ValueKind.List);
        if (type == typeof(object) || typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement)) return ValueShape.Any;

        if (DictionaryValueType(type) is { } valueType)
        {
            return new ValueShape(ValueKind.Object, Items: ShapeOf(valueType, depth + 1));
        }

        if (type.IsArray) return new ValueShape(ValueKind.List, ShapeOf(type.GetElementType()!, depth + 1));
        if (typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
        {
            return new ValueShape(ValueKind.List, ShapeOf(type.GetGenericArguments()[0], depth + 1));
        }

        return new ValueShape(ValueKind.Object, Properties: Ports(type, withDefaults: false, depth + 1));
    }

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var d
                         && (d == typeof(IReadOnlyDictionary<,>) || d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>))
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));
        return dictionary?.GetGenericArguments() is [var key, var value] && key == typeof(string) ? value : null;
    }

    private static Type? UnderlyingEnum(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is { IsEnum: true } e ? e : null;

    private static List<string> EnumNames(Type type) =>
        Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName).ToList();
}
