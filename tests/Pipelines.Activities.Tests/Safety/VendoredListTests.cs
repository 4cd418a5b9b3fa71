using System.Security.Cryptography;
using Pipelines.Activities.Safety;
using Pipelines.Activities.Tests.Data;

namespace Pipelines.Activities.Tests.Safety;

/// <summary>The lists are the npm packages' files, byte for byte: a hand edit changes a digest and fails here.</summary>
public sealed class VendoredListTests
{
    public static TheoryData<string> Lists => new(VendoredList.All.Select(l => l.File));

    [Theory]
    [MemberData(nameof(Lists))]
    public void The_embedded_list_and_the_file_in_the_repository_have_the_pinned_SHA_256(string file)
    {
        var list = VendoredList.All.Single(l => l.File == file);
        var inRepository = File.ReadAllBytes(Path.Combine(TestData.RepositoryRoot, "activities", "Pipelines.Activities", "Safety", "Lists", file));

        Assert.Equal(list.Sha256, Convert.ToHexStringLower(SHA256.HashData(list.ReadBytes())));
        Assert.Equal(list.Sha256, Convert.ToHexStringLower(SHA256.HashData(inRepository)));
    }

    [Fact]
    public void The_lists_have_the_packages_entry_counts_and_each_licence_file_is_beside_them()
    {
        Assert.Equal(403, VendoredList.NaughtyWords.Entries().Count);
        Assert.Equal(4951, VendoredList.FemaleNames.Entries().Count);
        Assert.Equal(3898, VendoredList.MaleNames.Entries().Count);
        Assert.Equal(301, VendoredList.StopWords.Entries().Count);
        var lists = Path.Combine(TestData.RepositoryRoot, "activities", "Pipelines.Activities", "Safety", "Lists");
        Assert.True(File.Exists(Path.Combine(lists, "naughty-words.LICENSE")));
        Assert.True(File.Exists(Path.Combine(lists, "stdlib.LICENSE")));
        Assert.True(File.Exists(Path.Combine(lists, "stdlib.NOTICE")));
    }
}
