using Pipelines.Artifacts;
using Pipelines.Engine.Tests.Persistence;

namespace Pipelines.Engine.Tests.Artifacts;

public sealed class ResolveInsideTests : IDisposable
{
    private readonly TemporaryDataDirectory _outside = new();
    private readonly TemporaryDataDirectory _data = new();

    public void Dispose()
    {
        _data.Dispose();
        _outside.Dispose();
    }

    [Theory]
    [InlineData("reports/eval.json")]
    [InlineData("models/base-small")]
    [InlineData("./cache/./x")]
    public void A_relative_path_resolves_inside_the_data_directory(string relative)
    {
        var resolved = ArtifactStore.ResolveInside(_data.Path, relative);

        Assert.Equal(Path.GetFullPath(Path.Join(_data.Path, relative)), resolved);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("a/../../x")]
    [InlineData("a/..")]
    [InlineData("..\\x")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData(".")]
    public void Paths_that_leave_the_data_directory_are_refused(string relative)
    {
        Assert.Throws<ArgumentException>(() => ArtifactStore.ResolveInside(_data.Path, relative));
    }

    [Fact]
    public void A_symbolic_link_that_points_out_of_the_data_directory_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Join(_data.Path, "escape"), _outside.Path);

        var error = Assert.Throws<ArgumentException>(() => ArtifactStore.ResolveInside(_data.Path, "escape/stolen.txt"));
        Assert.Throws<ArgumentException>(() => ArtifactStore.ResolveInside(_data.Path, "escape"));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_of_links_that_ends_outside_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Join(_data.Path, "second"), _outside.Path);
        Directory.CreateSymbolicLink(Path.Join(_data.Path, "first"), "second");

        Assert.Throws<ArgumentException>(() => ArtifactStore.ResolveInside(_data.Path, "first/file"));
    }

    [Fact]
    public void A_dangling_link_to_outside_is_refused_before_anything_is_written_through_it()
    {
        File.CreateSymbolicLink(Path.Join(_data.Path, "report.json"), Path.Join(_outside.Path, "not-yet.json"));

        Assert.Throws<ArgumentException>(() => ArtifactStore.ResolveInside(_data.Path, "report.json"));
    }

    [Fact]
    public void A_link_that_stays_inside_is_allowed()
    {
        Directory.CreateDirectory(Path.Join(_data.Path, "models", "v1"));
        Directory.CreateSymbolicLink(Path.Join(_data.Path, "current"), Path.Join("models", "v1"));

        var resolved = ArtifactStore.ResolveInside(_data.Path, "current/config.json");

        Assert.Equal(Path.Join(_data.Path, "current", "config.json"), resolved);
    }

    [Fact]
    public void Dot_dot_in_a_link_target_is_applied_on_disk_not_as_text()
    {
        // As text, data/shallow/.. is data; on disk shallow is data itself, so shallow/.. is data's parent.
        Directory.CreateSymbolicLink(Path.Join(_data.Path, "shallow"), ".");
        Directory.CreateSymbolicLink(Path.Join(_data.Path, "up"), Path.Join("shallow", ".."));

        Assert.Throws<ArgumentException>(() => ArtifactStore.ResolveInside(_data.Path, "up/x"));
    }

    [Fact]
    public void A_data_directory_reached_through_a_link_still_works()
    {
        var alias = Path.Join(_outside.Path, "alias");
        Directory.CreateSymbolicLink(alias, _data.Path);

        Assert.Equal(Path.Join(alias, "x.txt"), ArtifactStore.ResolveInside(alias, "x.txt"));
    }
}
