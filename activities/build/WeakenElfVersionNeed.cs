using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one symbol-version need of an ELF shared library weak, so the dynamic loader accepts the library where the
/// system's libstdc++ lacks that version. Used on TorchSharp 0.107.0's libLibTorchSharp.so, which needs
/// GLIBCXX_3.4.32 only for <c>_ZSt21ios_base_library_initv</c>: a GCC 13 marker symbol that nothing calls and no
/// relocation refers to. glibc treats a missing weak version need as no error (dl-version.c, match_symbol).
/// Compiled by MSBuild's RoslynCodeTaskFactory against netstandard, hence the plain APIs.
/// The file is rewritten through a temporary file and a rename, so a hard link into the NuGet cache stays untouched.
/// </summary>
public sealed class WeakenElfVersionNeed : Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlagWeak = 0x2;

    [Required] public string Library { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    /// <summary>Libraries that may provide <see cref="Version"/>; when any of them defines it, nothing is patched.</summary>
    public string[] SystemLibraries { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        if (!File.Exists(Library)) return true;
        foreach (var candidate in SystemLibraries)
        {
            if (File.Exists(candidate) && Contains(File.ReadAllBytes(candidate), Encoding.ASCII.GetBytes(Version + "\0")))
            {
                Log.LogMessage(MessageImportance.Low, $"{candidate} defines {Version}; {Path.GetFileName(Library)} left as it is.");
                return true;
            }
        }

        var bytes = File.ReadAllBytes(Library);
        switch (Weaken(bytes, Version))
        {
            case Outcome.NotElf64:
                Log.LogError($"{Library} is not a 64-bit little-endian ELF file; cannot mark {Version} weak.");
                return false;
            case Outcome.NoSuchNeed:
            case Outcome.AlreadyWeak:
                return true;
        }

        var temporary = Library + ".weakening";
        File.WriteAllBytes(temporary, bytes);
        File.Delete(Library);
        File.Move(temporary, Library);
        Log.LogMessage(MessageImportance.Normal, $"Marked the {Version} need of {Path.GetFileName(Library)} weak (the system libstdc++ is older).");
        return true;
    }

    enum Outcome { NotElf64, NoSuchNeed, AlreadyWeak, Weakened }

    static Outcome Weaken(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            return Outcome.NotElf64;

        var sectionTable = (long)BitConverter.ToUInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A);
        int sections = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < sections; i++)
        {
            var header = sectionTable + (long)i * entrySize;
            if (BitConverter.ToUInt32(elf, (int)header + 0x04) != ShtGnuVerneed) continue;

            var offset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            var strings = StringTableOffset(elf, sectionTable, entrySize, (int)BitConverter.ToUInt32(elf, (int)header + 0x28));
            var needs = BitConverter.ToUInt32(elf, (int)header + 0x2C);

            var need = offset;
            for (var n = 0; n < needs; n++)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                var aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (var a = 0; a < count; a++)
                {
                    var name = ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (name == version)
                    {
                        var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) != 0) return Outcome.AlreadyWeak;
                        var weak = (ushort)(flags | VerFlagWeak);
                        elf[aux + 4] = (byte)(weak & 0xff);
                        elf[aux + 5] = (byte)(weak >> 8);
                        return Outcome.Weakened;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return Outcome.NoSuchNeed;
    }

    static long StringTableOffset(byte[] elf, long sectionTable, int entrySize, int section) =>
        (long)BitConverter.ToUInt64(elf, (int)(sectionTable + (long)section * entrySize) + 0x18);

    static string ReadString(byte[] elf, long offset)
    {
        var end = Array.IndexOf(elf, (byte)0, (int)offset);
        return Encoding.ASCII.GetString(elf, (int)offset, end - (int)offset);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
