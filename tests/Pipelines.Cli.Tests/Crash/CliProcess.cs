using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests.Crash;

/// <summary>
/// The real CLI (<c>pipelines.dll</c> from the test's output folder) as a child process that can be killed like a
/// crashed machine: SIGKILL, no chance to clean up.
/// </summary>
public sealed partial class CliProcess : IDisposable
{
    private static readonly string Dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string?> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrRead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipelines.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("PIPELINES_DATA");
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        _process = new Process { StartInfo = start };
        _process.Start();
        // Dedicated threads, not the thread pool: on a small machine the pool may take a second to grow, and the
        // kill has to land while the child is still running, not after its output finally reaches us.
        StartReader(_process.StandardOutput, line =>
        {
            lock (_output) _output.AppendLine(line);
            _firstLine.TrySetResult(line);
        }, () =>
        {
            _firstLine.TrySetResult(null);
            _stdoutRead.TrySetResult();
        });
        StartReader(_process.StandardError, line =>
        {
            lock (_output) _output.AppendLine("stderr: " + line);
        }, () => _stderrRead.TrySetResult());
    }

    private static void StartReader(StreamReader reader, Action<string> onLine, Action onEnd) =>
        new Thread(() =>
        {
            while (reader.ReadLine() is { } line) onLine(line);
            onEnd();
        }) { IsBackground = true }.Start();

    public static CliProcess Start(params string[] args) => new(args);

    public static CliProcess StartWith(IReadOnlyDictionary<string, string> environment, params string[] args) => new(args, environment);

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id, which the child also sees as its own.</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    [GeneratedRegex("^run ([0-9a-z]{16})$")]
    private static partial Regex RunLine();

    /// <summary>The id from the first line, <c>run ID</c>, which <c>run</c> and <c>runs resume</c> print before executing anything.</summary>
    public async Task<string> RunIdAsync()
    {
        var line = await _firstLine.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var match = RunLine().Match(line ?? "");
        Assert.True(match.Success, $"the first line was not `run ID`:\n{Output}");
        return match.Groups[1].Value;
    }

    /// <summary>Waits up to <paramref name="delay"/> for the process to end by itself, then kills it. True when it was killed.</summary>
    public async Task<bool> KillAfterAsync(TimeSpan delay)
    {
        using var wait = new CancellationTokenSource(delay);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            await ExitedAsync();
            return false;
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended just now.
        }

        // Reaped before anyone looks: a zombie would still look alive to the next owner's liveness check.
        await ExitedAsync();
        return true;
    }

    public async Task<int> WaitForExitAsync(TimeSpan bound)
    {
        using var wait = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await ExitedAsync();
            Assert.Fail($"`pipelines` did not finish within {bound}:\n{Output}");
        }

        await ExitedAsync();
        return _process.ExitCode;
    }

    /// <summary>
    /// Waits for the process to end and for its output to be read to the end: the reader threads are ours, so
    /// Process does not wait for them, and an error printed just before exit could otherwise be missing from
    /// <see cref="Output"/> on a busy machine.
    /// </summary>
    private async Task ExitedAsync()
    {
        await _process.WaitForExitAsync();
        await Task.WhenAll(_stdoutRead.Task, _stderrRead.Task);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
