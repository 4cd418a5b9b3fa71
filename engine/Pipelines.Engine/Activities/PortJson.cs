using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pipelines.Activities;

/// <summary>
/// The one JSON mapping between YAML/JSON values and inputs/outputs records: snake_case names (or the
/// <see cref="PortAttribute.Name"/> override), enums as snake_case strings, durations as <c>30s</c>/<c>5m</c>.
/// </summary>
public static class PortJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static string NameOf(PropertyInfo property) =>
        property.GetCustomAttribute<PortAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    public static T Bind<T>(JsonObject inputs) =>
        inputs.Count == 0 && Shape<T>.CanSkipJson ? Activator.CreateInstance<T>() : inputs.Deserialize<T>(Options)!;

    public static JsonObject ToJson(object outputs) =>
        outputs is NoOutputs ? [] : JsonSerializer.SerializeToNode(outputs, outputs.GetType(), Options)?.AsObject() ?? [];

    /// <summary>
    /// Whether binding <c>{}</c> to <typeparamref name="T"/> is the same as constructing it (a parameterless
    /// constructor and no required members): then the serializer's round trip can be skipped.
    /// </summary>
    private static class Shape<T>
    {
        public static readonly bool CanSkipJson =
            typeof(T).GetConstructor(Type.EmptyTypes) is not null
            && !typeof(T).GetProperties().Any(p => p.GetCustomAttributes(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute), true).Length > 0);
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ApplyPortNames } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new DurationJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static void ApplyPortNames(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is PropertyInfo info && info.GetCustomAttribute<PortAttribute>()?.Name is { } name)
            {
                property.Name = name;
            }
        }
    }
}
