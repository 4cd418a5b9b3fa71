using System.Text.RegularExpressions;
using Pipelines.Diagnostics;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>The <c>defaults:</c> section: retry, timeout, resources and cache applied to steps that do not say otherwise.</summary>
internal sealed partial record StepDefaults(RetryPolicy Retry, TimeSpan? Timeout, ResourceRequest Resources, bool Cache)
{
    public static readonly StepDefaults None = new(RetryPolicy.None, null, ResourceRequest.None, true);

    internal static readonly string[] RetryKeys = ["max", "backoff", "factor"];
    internal static readonly string[] ResourceKeys = ["gpu", "cpu", "memory", "pool"];

    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromDays(1);
    public const int MaxRetries = 100;
    public const double MaxFactor = 10;

    [GeneratedRegex(FormatPatterns.Memory)]
    private static partial Regex Memory();

    [GeneratedRegex(FormatPatterns.PoolName)]
    private static partial Regex PoolName();

    public static StepDefaults Read(NodeReader reader, Node? node)
    {
        if (reader.Mapping(node, "defaults", PipelineLoader.DefaultsKeys) is not { } mapping) return None;
        return new StepDefaults(
            ReadRetry(reader, mapping["retry"], None.Retry),
            ReadTimeout(reader, mapping["timeout"]),
            ReadResources(reader, mapping["resources"], None.Resources),
            reader.Boolean(mapping["cache"], "cache") ?? true);
    }

    /// <summary>Reads a <c>timeout:</c>. Zero is refused: an attempt given no time would fail before it starts, every time.</summary>
    public static TimeSpan? ReadTimeout(NodeReader reader, Node? node)
    {
        var timeout = reader.Duration(node, "timeout", MaxTimeout);
        if (timeout != TimeSpan.Zero) return timeout;
        reader.Diagnostics.Error(DiagnosticCodes.InvalidDuration, node!.Start,
            "timeout must be longer than zero: an attempt given no time fails before it starts",
            "leave timeout out for no limit, or give the longest an attempt may take, e.g. 30m");
        return null;
    }

    /// <summary>Reads <c>retry:</c>; fields left out keep <paramref name="inherited"/>'s values. A zero backoff retries at once.</summary>
    public static RetryPolicy ReadRetry(NodeReader reader, Node? node, RetryPolicy inherited)
    {
        if (reader.Mapping(node, "retry", RetryKeys) is not { } mapping) return inherited;
        var max = reader.Integer(mapping["max"], "retry max");
        if (max is < 0)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidRetry, mapping["max"]!.Start, $"retry max is negative ({max})", "use 0 for no retries");
            max = null;
        }
        else if (max > MaxRetries)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidRetry, mapping["max"]!.Start, $"retry max of {max} is absurd; the limit is {MaxRetries}",
                "a step that fails this often needs fixing, not retrying");
            max = null;
        }

        var backoff = reader.Duration(mapping["backoff"], "retry backoff", MaxBackoff);
        var factor = reader.Number(mapping["factor"], "retry factor");
        if (factor is < 1 or > MaxFactor)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidRetry, mapping["factor"]!.Start,
                $"retry factor {reader.Describe(factor.Value)} is out of range", $"use a number from 1 (constant backoff) to {MaxFactor}");
            factor = null;
        }

        return new RetryPolicy((int)(max ?? inherited.Max), backoff ?? inherited.Backoff, factor ?? inherited.Factor);
    }

    public static ResourceRequest ReadResources(NodeReader reader, Node? node, ResourceRequest inherited)
    {
        if (reader.Mapping(node, "resources", ResourceKeys) is not { } mapping) return inherited;
        var gpu = reader.Integer(mapping["gpu"], "resources gpu");
        if (gpu is < 0 or > 16)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidValue, mapping["gpu"]!.Start, $"resources gpu must be from 0 to 16, not {gpu}");
            gpu = null;
        }

        var cpu = reader.Number(mapping["cpu"], "resources cpu");
        if (cpu is <= 0 or > 1024)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidValue, mapping["cpu"]!.Start, $"resources cpu must be more than 0 and at most 1024");
            cpu = null;
        }

        var memory = reader.Scalar(mapping["memory"], "resources memory");
        if (memory is not null && !Memory().IsMatch(memory.Value))
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidValue, memory.Start, $"invalid memory size {DiagnosticText.Quote(memory.Value)}", "write e.g. 512Mi or 16Gi");
            memory = null;
        }

        var pool = reader.Scalar(mapping["pool"], "resources pool");
        if (pool is not null && !PoolName().IsMatch(pool.Value))
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidName, pool.Start, $"invalid pool name {DiagnosticText.Quote(pool.Value)}", "use lower-case letters, digits and '-'");
            pool = null;
        }

        return new ResourceRequest((int)(gpu ?? inherited.Gpu), cpu ?? inherited.Cpu, memory?.Value ?? inherited.Memory, pool?.Value ?? inherited.Pool);
    }
}
