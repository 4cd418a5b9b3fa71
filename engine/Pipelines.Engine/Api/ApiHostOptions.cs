using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>How <c>pipelines serve</c> runs: where data lives, which addresses it listens on, and the runtime's options.</summary>
public sealed record ApiHostOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public required string DataDirectory { get; init; }

    /// <summary>Kestrel URLs, e.g. <c>http://127.0.0.1:5080</c>. Without tokens every one must be loopback.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    public RuntimeOptions Runtime { get; init; } = new();

    /// <summary>
    /// <c>--schedule-store</c>: a PostgreSQL database (<c>postgres://...</c> or Npgsql keywords) where Quartz keeps its jobs
    /// and triggers, clustered, so that hosts sharing it fire each schedule once; null keeps Quartz in memory.
    /// </summary>
    public string? ScheduleStore { get; init; }

    /// <summary>Settings layered over appsettings.json and the environment (tests pass <c>Auth:Tokens:0:Secret</c> here).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Start-up and shutdown lines on the console; off in tests.</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>The built designer (<c>designer/dist</c>) to serve at <c>/designer/</c>; null: <see cref="DesignerFiles.Locate"/> finds it.</summary>
    public string? DesignerRoot { get; init; }

    /// <summary>Parts the composition root adds (the OpenAI-compatible endpoint): their services, then their routes.</summary>
    public IReadOnlyList<IApiModule> Modules { get; init; } = [];
}
