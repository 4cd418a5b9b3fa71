using System.Text;
using Pipelines.Checkpoints;
using Pipelines.Engine.Tests.Persistence;

namespace Pipelines.Engine.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TemporaryDataDirectory _directory = new();
    private readonly CancellationToken _ct = CancellationToken.None;
    private readonly CheckpointStore _store;

    public CheckpointStoreTests() => _store = new CheckpointStore(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private string StepFolder(string runId, string stepId) => Path.Join(_directory.Path, "checkpoints", runId, stepId);

    [Fact]
    public async Task A_saved_checkpoint_loads_back_from_its_step_folder()
    {
        await _store.SaveAsync("run-1", "train", "state.bin", "epoch 3"u8.ToArray(), _ct);

        Assert.Equal("epoch 3"u8.ToArray(), await _store.LoadAsync("run-1", "train", "state.bin", _ct));
        Assert.True(File.Exists(Path.Join(StepFolder("run-1", "train"), "state.bin")));
    }

    [Fact]
    public async Task A_checkpoint_saved_from_a_stream_loads_back_whole()
    {
        var content = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();

        await _store.SaveAsync("run-1", "sweep[0]", "optimizer.pt", new MemoryStream(content), _ct);

        Assert.Equal(content, await _store.LoadAsync("run-1", "sweep[0]", "optimizer.pt", _ct));
    }

    [Fact]
    public async Task Loading_a_checkpoint_that_was_never_saved_gives_null()
    {
        await _store.SaveAsync("run-1", "train", "state.bin", "x"u8.ToArray(), _ct);

        Assert.Null(await _store.LoadAsync("run-1", "train", "other.bin", _ct));
        Assert.Null(await _store.LoadAsync("run-1", "evaluate", "state.bin", _ct));
        Assert.Null(await _store.LoadAsync("run-2", "train", "state.bin", _ct));
        Assert.Null(_store.OpenRead("run-2", "train", "state.bin"));
    }

    [Fact]
    public async Task Saving_again_replaces_the_checkpoint_and_leaves_no_temporary_files()
    {
        await _store.SaveAsync("run-1", "train", "state.bin", "first, and longer"u8.ToArray(), _ct);

        await _store.SaveAsync("run-1", "train", "state.bin", "second"u8.ToArray(), _ct);

        Assert.Equal("second"u8.ToArray(), await _store.LoadAsync("run-1", "train", "state.bin", _ct));
        Assert.Equal([Path.Join(StepFolder("run-1", "train"), "state.bin")], Directory.GetFileSystemEntries(StepFolder("run-1", "train")));
    }

    [Fact]
    public async Task A_save_that_fails_midway_keeps_the_previous_checkpoint()
    {
        await _store.SaveAsync("run-1", "train", "state.bin", "good"u8.ToArray(), _ct);
        var failing = new Artifacts.WatchedSource(new byte[100_000], midway: () => { }, failAt: 50_000);

        await Assert.ThrowsAsync<IOException>(() => _store.SaveAsync("run-1", "train", "state.bin", failing, _ct));

        Assert.Equal("good"u8.ToArray(), await _store.LoadAsync("run-1", "train", "state.bin", _ct));
        Assert.Single(Directory.GetFileSystemEntries(StepFolder("run-1", "train")));
    }

    [Fact]
    public async Task A_reader_sees_the_old_or_the_new_checkpoint_whole_while_it_is_overwritten()
    {
        const int Size = 4 * 1024 * 1024;
        const int Overwrites = 16;
        var versions = Enumerable.Range(0, Overwrites + 1).Select(i => (byte)('A' + i)).ToArray();
        await _store.SaveAsync("run-1", "train", "weights.bin", Filled(versions[0]), _ct);
        var writing = true;

        var reader = Task.Run(async () =>
        {
            var reads = new List<(int Length, byte First, bool Uniform)>();
            while (Volatile.Read(ref writing) || reads.Count < 3)
            {
                var content = await _store.LoadAsync("run-1", "train", "weights.bin", _ct);
                Assert.NotNull(content);
                reads.Add((content.Length, content[0], !content.AsSpan().ContainsAnyExcept(content[0])));
            }
            return reads;
        });
        foreach (var version in versions[1..])
            await _store.SaveAsync("run-1", "train", "weights.bin", Filled(version), _ct);
        Volatile.Write(ref writing, false);
        var seen = await reader;

        Assert.All(seen, read =>
        {
            Assert.Equal(Size, read.Length);
            Assert.True(read.Uniform, $"a read mixed version {(char)read.First} with another");
            Assert.Contains(read.First, versions);
        });
        Assert.Equal(Filled(versions[^1]), await _store.LoadAsync("run-1", "train", "weights.bin", _ct));

        static byte[] Filled(byte value) => Enumerable.Repeat(value, Size).ToArray();
    }

    [Fact]
    public async Task Deleting_a_steps_checkpoints_removes_its_folder_and_only_its_folder()
    {
        await _store.SaveAsync("run-1", "train", "state.bin", "x"u8.ToArray(), _ct);
        await File.WriteAllTextAsync(Path.Join(_store.GetDirectory("run-1", "train"), "adapter.safetensors"), "weights", _ct);
        await _store.SaveAsync("run-1", "evaluate", "state.bin", "y"u8.ToArray(), _ct);

        await _store.DeleteAsync("run-1", "train", _ct);
        await _store.DeleteAsync("run-1", "never-saved", _ct);

        Assert.False(Directory.Exists(StepFolder("run-1", "train")));
        Assert.Null(await _store.LoadAsync("run-1", "train", "state.bin", _ct));
        Assert.Equal("y"u8.ToArray(), await _store.LoadAsync("run-1", "evaluate", "state.bin", _ct));
    }

    [Fact]
    public async Task Deleting_a_runs_checkpoints_removes_every_step()
    {
        await _store.SaveAsync("run-1", "train", "state.bin", "x"u8.ToArray(), _ct);
        await _store.SaveAsync("run-1", "evaluate", "state.bin", "y"u8.ToArray(), _ct);
        await _store.SaveAsync("run-2", "train", "state.bin", "z"u8.ToArray(), _ct);

        await _store.DeleteRunAsync("run-1", _ct);

        Assert.False(Directory.Exists(Path.Join(_directory.Path, "checkpoints", "run-1")));
        Assert.Equal("z"u8.ToArray(), await _store.LoadAsync("run-2", "train", "state.bin", _ct));
    }

    [Fact]
    public void The_step_directory_is_created_inside_the_data_directory()
    {
        var folder = _store.GetDirectory("run-1", "sweep[2]");

        Assert.Equal(StepFolder("run-1", "sweep[2]"), folder);
        Assert.True(Directory.Exists(folder));
    }

    [Theory]
    [InlineData("..", "train", "state")]
    [InlineData("run-1", "..", "state")]
    [InlineData("run-1", "train", "..")]
    [InlineData("run-1", "train", ".")]
    [InlineData("run-1", "train", "../../../escape")]
    [InlineData("run-1", "train", "a..b")]
    [InlineData("run-1", "train", "sub/state")]
    [InlineData("run-1", "train", "sub\\state")]
    [InlineData("/tmp", "train", "state")]
    [InlineData("run-1", "train", "")]
    [InlineData("run 1", "train", "state")]
    [InlineData("run-1", "train", "state~tmp")]
    [InlineData("run-1", "train\n", "state")]
    public async Task Ids_and_names_that_could_leave_the_step_folder_are_refused(string runId, string stepId, string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.SaveAsync(runId, stepId, name, "x"u8.ToArray(), _ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.LoadAsync(runId, stepId, name, _ct));
        Assert.False(Directory.Exists(Path.Join(_directory.Path, "checkpoints")));
    }

    [Fact]
    public async Task A_run_folder_linked_out_of_the_data_directory_is_refused()
    {
        using var outside = new TemporaryDataDirectory();
        Directory.CreateDirectory(Path.Join(_directory.Path, "checkpoints"));
        Directory.CreateSymbolicLink(Path.Join(_directory.Path, "checkpoints", "run-1"), outside.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => _store.SaveAsync("run-1", "train", "state.bin", "x"u8.ToArray(), _ct));

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
    }

    [Fact]
    public void A_step_view_binds_its_run_and_step_and_refuses_bad_ids_at_once()
    {
        var step = _store.ForStep("run-1", "train");

        Assert.Equal(("run-1", "train"), (step.RunId, step.StepId));
        Assert.Throws<ArgumentException>(() => _store.ForStep("run-1", "../train"));
        Assert.Contains("step id", Assert.Throws<ArgumentException>(() => _store.ForStep("run-1", "a/b")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_view_saves_and_loads_bytes_json_and_shares_the_step_directory()
    {
        var step = _store.ForStep("run-1", "train");

        await step.SaveAsync("raw.bin", Encoding.UTF8.GetBytes("raw"), _ct);
        await step.SaveJsonAsync("progress.json", new TrainingProgress(Epoch: 2, Step: 1500, BestLoss: 0.75), _ct);

        Assert.Equal("raw"u8.ToArray(), await step.LoadAsync("raw.bin", _ct));
        Assert.Equal(new TrainingProgress(2, 1500, 0.75), await step.LoadJsonAsync<TrainingProgress>("progress.json", _ct));
        Assert.Null(await step.LoadJsonAsync<TrainingProgress>("missing.json", _ct));
        Assert.Equal(0, await step.LoadJsonAsync<int>("missing.json", _ct));
        Assert.Equal(StepFolder("run-1", "train"), step.Directory);
        Assert.True(File.Exists(Path.Join(step.Directory, "progress.json")));
    }

    private sealed record TrainingProgress(int Epoch, long Step, double BestLoss);
}
