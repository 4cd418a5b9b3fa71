using System.Text.Json.Nodes;
using Pipelines.Activities.Data;
using Pipelines.Activities.Tests.Safety;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Data;

/// <summary>
/// <c>data.fetch@1</c> on a small package made here (its pin made to match) and a real data directory, so no test
/// needs the network; the run through the runtime uses the real pin and a folder in the way.
/// </summary>
public sealed class CorpusFetchTests : IDisposable
{
    private readonly ActivityHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private (string Tarball, CorpusFetch Activity) Tiny()
    {
        var (tarball, package) = TinyCorpus.Make(_harness.Path);
        return (tarball, new CorpusFetch([package], npm: Path.Combine(_harness.Path, "no-npm-here")));
    }

    [Fact]
    public async Task Installs_into_the_data_directory_then_only_verifies_and_says_so()
    {
        var (tarball, activity) = Tiny();

        var first = await _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiny", ["from"] = tarball }, activity);
        _harness.Log.Clear();
        var second = await _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiny" }, activity); // no tarball and no npm: nothing to download

        var folder = Path.Combine(_harness.DataDirectory, "datasets", "tiny");
        Assert.Equal(folder, (string?)first["folder"]);
        Assert.Equal(3, (int)first["files"]!);
        Assert.Equal(TinyCorpus.Mails.Values.Sum(m => m.Length), (long)first["bytes"]!);
        Assert.Equal("@test/tiny-corpus@1.0.0", (string?)first["package"]);
        Assert.False((bool)first["already_installed"]!);
        Assert.Equal(Path.Combine(folder, "spam-1"), (string?)first["folders"]!["spam-1"]);
        Assert.Equal(["ham-1", "spam-1"], first["folders"]!.AsObject().Select(p => p.Key));
        Assert.Equal(TinyCorpus.Mails["ham-1/00002.txt"], File.ReadAllText(Path.Combine((string)first["folders"]!["ham-1"]!, "00002.txt")));

        Assert.True((bool)second["already_installed"]!);
        Assert.Equal(first["folder"]!.ToJsonString(), second["folder"]!.ToJsonString());
        Assert.Equal($"{folder} exists: verifying it", _harness.Log[0]);
        Assert.StartsWith("tiny is installed and verified: 3 files", _harness.Log[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_goes_from_extracting_to_done_with_fractions()
    {
        var (tarball, activity) = Tiny();

        await _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiny", ["from"] = tarball }, activity);

        Assert.Contains(_harness.Progress, p => p.Fraction == 0 && p.Message!.StartsWith("extracting 3 files", StringComparison.Ordinal));
        Assert.Equal(1, _harness.Progress[^1].Fraction);
        Assert.Contains(_harness.Log, line => line.StartsWith("installed tiny: 3 files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_downstream_curation_reads_a_sub_folder_it_names()
    {
        var (tarball, activity) = Tiny();
        var fetched = await _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiny", ["from"] = tarball }, activity);

        var curated = await _harness.RunAsync("data.curate@1", new JsonObject
        {
            ["source"] = (string)fetched["folders"]!["ham-1"]!,
            ["filters"] = new JsonObject { ["min_chars"] = 0, ["min_words"] = 0 },
            ["split"] = new JsonObject { ["train"] = 1, ["validation"] = 0, ["test"] = 0 },
        });

        Assert.Equal(2, (int)curated["stats"]!["train"]!);
    }

    [Fact]
    public async Task A_tarball_that_is_not_the_pinned_one_fails_the_step_with_what_to_do_and_installs_nothing()
    {
        var (_, activity) = Tiny();
        var other = _harness.Write("other.tgz", "not the package");

        var e = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiny", ["from"] = other }, activity));

        Assert.StartsWith("other.tgz is not @test/tiny-corpus@1.0.0: its integrity is sha512-", e.Message, StringComparison.Ordinal);
        Assert.Contains("(give the tarball of exactly @test/tiny-corpus@1.0.0", e.Message, StringComparison.Ordinal);
        Assert.False(e.Retryable);
        Assert.False(Directory.Exists(Path.Combine(_harness.DataDirectory, "datasets", "tiny")));
    }

    [Fact]
    public async Task A_missing_tarball_or_an_unknown_name_is_refused_naming_the_input()
    {
        var (_, activity) = Tiny();

        var missing = await Assert.ThrowsAsync<ActivityFailedException>(() =>
            _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiny", ["from"] = Path.Combine(_harness.Path, "nope.tgz") }, activity));
        var unknown = await Assert.ThrowsAsync<ActivityFailedException>(() => _harness.RunAsync("data.fetch@1", new JsonObject { ["name"] = "tiyn" }, activity));

        Assert.StartsWith("from: ", missing.Message, StringComparison.Ordinal);
        Assert.Contains("nope.tgz does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Equal("name: unknown corpus 'tiyn'; did you mean 'tiny'?", unknown.Message);
    }

    [Fact]
    public void The_name_input_offers_exactly_the_known_corpora_and_the_step_is_never_cached()
    {
        var descriptor = BuiltInActivities.CreateCatalog().Find("data.fetch", 1)!;

        Assert.Equal(CorpusPackage.Known.Select(c => c.Name), descriptor.Input("name")!.AllowedValues!);
        Assert.False(descriptor.Deterministic);
    }

    [Fact]
    public async Task Through_the_runtime_it_installs_into_the_engines_data_directory_and_never_takes_over_a_folder_it_did_not_make()
    {
        var data = Path.Combine(_harness.Path, "engine-data");
        var mine = Path.Combine(data, "datasets", "spam-assassin");
        Directory.CreateDirectory(mine);
        File.WriteAllText(Path.Combine(mine, "notes.txt"), "my own files");
        await using var engine = await RunEngine.OpenAsync(data, BuiltInActivities.CreateCatalog(), new RuntimeOptions { MaxParallel = 1 });
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: fetch
            steps:
              corpus:
                uses: data.fetch@1
                with:
                  name: spam-assassin
            """;

        var (status, steps) = await PipelineRuns.RunAsync(engine, yaml);

        var step = Assert.Single(steps);
        Assert.Equal(RunStatus.Failed, status);
        Assert.Equal(1, step.Attempts);
        Assert.StartsWith($"{mine} exists but was not installed by `pipelines data fetch`", step.Error, StringComparison.Ordinal);
        Assert.Equal("my own files", File.ReadAllText(Path.Combine(mine, "notes.txt")));
    }
}
