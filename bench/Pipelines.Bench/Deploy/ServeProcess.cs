using System.Diagnostics;

namespace Pipelines.Bench.Deploy;

/// <summary>
/// <c>bin/pipelines serve --model REF --data-dir DIR --urls http://127.0.0.1:PORT</c> as a child process with
/// <c>Serving__*</c> settings in its environment, ready once <c>/v1/models</c> answers; disposing kills it. Its output
/// goes to a log file next to the data directory, which a failed start quotes.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServeProcess(Process process, StreamWriter log, HttpClient client) => (_process, _log, Client) = (process, log, client);

    /// <summary>A client of the server (base address set; no timeout, since a long stream is not a hung one).</summary>
    public HttpClient Client { get; }

    /// <summary>CPU time the server has used so far, every thread together.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServeProcess> StartAsync(string dataDirectory, string model, IReadOnlyDictionary<string, string> serving, string log, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{BenchMachine.FreePort()}";
        var start = new ProcessStartInfo(Path.Join(BenchMachine.Checkout(), "bin", "pipelines"))
        {
            ArgumentList = { "serve", "--model", model, "--data-dir", dataDirectory, "--urls", url },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in serving) start.Environment[$"Serving__{key}"] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bin/pipelines serve");
        var output = new StreamWriter(log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var served = new ServeProcess(process, output, new HttpClient { BaseAddress = new Uri(url), Timeout = Timeout.InfiniteTimeSpan });
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var exitCode = process.ExitCode;
                await served.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"pipelines serve exited with {exitCode}; its output is in {log}:\n{string.Join('\n', File.ReadLines(log).TakeLast(15))}");
            }
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var answer = await served.Client.GetAsync("/v1/models", CancellationTokenSource.CreateLinkedTokenSource(ct, probe.Token).Token).ConfigureAwait(false);
                if (answer.IsSuccessStatusCode) return served;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(3))
            {
                await served.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"pipelines serve did not answer /v1/models within 3 minutes; its output is in {log}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().ConfigureAwait(false); // and for its output to end
        _process.Dispose();
        await _log.DisposeAsync().ConfigureAwait(false);
    }
}
