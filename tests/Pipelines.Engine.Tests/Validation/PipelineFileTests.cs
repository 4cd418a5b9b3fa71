using System.Diagnostics;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// Only regular files are read, and at most one byte past the 1 MiB limit: a named pipe must not block the loader, and
/// <c>/dev/zero</c> must not be read for gigabytes. A call that would hang before its fix runs under a generous timeout.
/// </summary>
public sealed class PipelineFileTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("pipelines-file-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_named_pipe_is_refused_without_waiting_for_a_writer()
    {
        if (!OperatingSystem.IsLinux()) return;
        var fifo = MakeFifo(_folder);

        var load = Task.Run(() => PipelineLoader.LoadFile(fifo, Catalog));
        try
        {
            var result = await load.WaitAsync(Generous);

            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal(DiagnosticCodes.UnreadableFile, diagnostic.Code);
            Assert.Equal($"cannot read the file: it is a named pipe (FIFO), not a regular file", diagnostic.Message);
            Assert.Contains("write it to a file first", diagnostic.Hint);
        }
        finally
        {
            if (!load.IsCompleted) Unblock(fifo); // before the fix the open waits for a writer: give it one
        }
    }

    [Fact]
    public async Task Dev_zero_is_refused_without_reading_it()
    {
        if (!OperatingSystem.IsLinux()) return;

        var result = await Task.Run(() => PipelineLoader.LoadFile("/dev/zero", Catalog)).WaitAsync(Generous);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnreadableFile, diagnostic.Code);
        Assert.Contains("it is a character device, not a regular file", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_is_refused_as_before()
    {
        var diagnostic = Assert.Single(PipelineLoader.LoadFile(_folder, Catalog).Diagnostics);

        Assert.Equal(DiagnosticCodes.UnreadableFile, diagnostic.Code);
        Assert.Contains("it is a folder", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_a_pipeline_file_is_read()
    {
        if (OperatingSystem.IsWindows()) return;
        var link = Path.Combine(_folder, "link.yaml");
        File.CreateSymbolicLink(link, Path.Combine(PipelinesFolder, "hello.yaml"));

        Assert.True(PipelineLoader.LoadFile(link, Catalog).Succeeded);
    }

    [Fact]
    public void A_file_over_the_limit_says_so_without_claiming_a_size()
    {
        var path = Path.Combine(_folder, "big.yaml");
        File.WriteAllBytes(path, new byte[(1024 * 1024) + 2]);

        var diagnostic = Assert.Single(PipelineLoader.LoadFile(path, Catalog).Diagnostics);

        Assert.Equal(DiagnosticCodes.FileTooLarge, diagnostic.Code);
        Assert.Equal("the file is larger than 1 MiB, the most a pipeline may be", diagnostic.Message);
    }

    [Fact]
    public void A_file_of_exactly_the_limit_is_read_whole()
    {
        // 1 MiB of comment lines after a valid pipeline: read to the end, not cut at a buffer size.
        var path = Path.Combine(_folder, "full.yaml");
        var pipeline = File.ReadAllText(Path.Combine(PipelinesFolder, "hello.yaml"));
        var padding = 1024 * 1024 - System.Text.Encoding.UTF8.GetByteCount(pipeline);
        File.WriteAllText(path, pipeline + "#" + new string('x', padding - 2) + "\n");
        Assert.Equal(1024 * 1024, new FileInfo(path).Length);

        Assert.True(PipelineLoader.LoadFile(path, Catalog).Succeeded);
    }

    internal static string MakeFifo(string folder)
    {
        var path = Path.Combine(folder, "pipe.yaml");
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>Opens the pipe for writing and closes it: a reader blocked on opening it then reads an empty file.</summary>
    internal static void Unblock(string fifo)
    {
        using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
    }
}
