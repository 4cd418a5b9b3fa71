using System.Text.Json.Nodes;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// Inputs that name local files ([LocalPath]) are checked by the runtime before any activity sees them: a malformed
/// artifact reference always fails the step, and with file roots (as under <c>serve</c>) so does a path outside them.
/// </summary>
public sealed class FileRootTests : IDisposable
{
    private const string Pipeline = LocalPathCacheTests.Pipeline; // test.path_read of params.path and params.paths

    private const string Digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private readonly TemporaryDataDirectory _root = new();
    private readonly TemporaryDataDirectory _outside = new();

    public void Dispose()
    {
        _root.Dispose();
        _outside.Dispose();
    }

    [Theory]
    [InlineData("artifact://sha256/../../etc/passwd")]
    [InlineData("artifact://sha256/" + Digest + "/../../../etc/passwd")]
    [InlineData("artifact://sha256/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("artifact://md5/" + Digest)]
    [InlineData("ARTIFACT://sha256/" + Digest)]
    [InlineData(" artifact://sha256/" + Digest)]
    public async Task A_malformed_artifact_reference_fails_the_step_instead_of_being_read_as_a_path(string reference)
    {
        await using var harness = await RuntimeHarness.StartAsync(); // no roots: a local user, who may read any path

        var (id, status) = await harness.RunAsync(Pipeline, new JsonObject { ["path"] = reference });

        Assert.Equal(RunStatus.Failed, status);
        Assert.Equal($"input 'path': '{reference}' is not an artifact reference: write artifact://sha256/ followed by the 64 lower-case hex digits "
                     + "of its sha256, as step outputs give it", (await harness.StepAsync(id, "read")).Error);
        Assert.Equal(0, Probe.For(id).Starts("read"));
    }

    [Fact]
    public async Task Without_roots_a_local_user_reads_any_path()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        var (_, status) = await harness.RunAsync(Pipeline, new JsonObject { ["path"] = "/etc/passwd" });

        Assert.Equal(RunStatus.Succeeded, status);
    }

    public static TheoryData<string> Escapes => new()
    {
        "/etc/passwd",
        "{root}/{up}/secret.jsonl",
        "{root}/link-out/secret.jsonl", // a symbolic link inside the root that leads out of it
        "{root}/link-out",
        "{root}/link-out/../{outside-name}/secret.jsonl", // as the kernel walks it: the link first, then '..'
        "/etc/*.conf",
        "{root}/{up}/*.jsonl",
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task With_roots_a_path_outside_them_fails_the_step_naming_the_input_and_the_roots(string template)
    {
        var path = Fill(template);
        await using var harness = await RootedAsync();

        var (id, status) = await harness.RunAsync(Pipeline, new JsonObject { ["path"] = path });

        Assert.Equal(RunStatus.Failed, status);
        var error = (await harness.StepAsync(id, "read")).Error;
        Assert.StartsWith($"input 'path': {path} is outside the folders this process may read ({Path.GetFullPath(harness.DataDirectory)}, {_root.Path}); ",
            error, StringComparison.Ordinal);
        Assert.Contains("Files__Roots__0=", error, StringComparison.Ordinal);
        Assert.Equal(0, Probe.For(id).Starts("read"));
    }

    [Fact]
    public async Task With_roots_each_path_of_a_list_is_checked()
    {
        await using var harness = await RootedAsync();

        var (id, status) = await harness.RunAsync(Pipeline,
            new JsonObject { ["paths"] = new JsonArray(Fill("{root}/secret.jsonl"), Fill("{outside}/secret.jsonl")) });

        Assert.Equal(RunStatus.Failed, status);
        Assert.StartsWith($"input 'paths[1]': {_outside.Path}/secret.jsonl is outside", (await harness.StepAsync(id, "read")).Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{root}/secret.jsonl")]
    [InlineData("{root}")]
    [InlineData("{root}/nested/../secret.jsonl")]
    [InlineData("{root}/**/*.jsonl")]
    [InlineData("{data}/datasets/x.jsonl")]
    [InlineData("artifact://sha256/" + Digest)]
    public async Task With_roots_paths_inside_them_and_artifacts_are_read(string template)
    {
        await using var harness = await RootedAsync();

        var (id, status) = await harness.RunAsync(Pipeline, new JsonObject { ["path"] = Fill(template).Replace("{data}", harness.DataDirectory, StringComparison.Ordinal) });

        Assert.Equal(RunStatus.Succeeded, status);
        Assert.Equal(1, Probe.For(id).Starts("read"));
    }

    private async Task<RuntimeHarness> RootedAsync()
    {
        File.WriteAllText(Path.Combine(_root.Path, "secret.jsonl"), "{}");
        Directory.CreateDirectory(Path.Combine(_root.Path, "nested"));
        File.WriteAllText(Path.Combine(_outside.Path, "secret.jsonl"), "{\"shadow\": \"root:x:0:0\"}");
        Directory.CreateSymbolicLink(Path.Combine(_root.Path, "link-out"), _outside.Path);
        return await RuntimeHarness.StartAsync(new RuntimeOptions { MaxParallel = 2, FileRoots = [_root.Path] });
    }

    private string Fill(string template) => template
        .Replace("{up}", Path.GetRelativePath(_root.Path, _outside.Path), StringComparison.Ordinal) // ../pipelines-test-...
        .Replace("{outside-name}", Path.GetFileName(_outside.Path), StringComparison.Ordinal)
        .Replace("{root}", _root.Path, StringComparison.Ordinal)
        .Replace("{outside}", _outside.Path, StringComparison.Ordinal);
}
