using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace Pipelines.Activities.Torch;

/// <summary>
/// Loads libtorch once and turns TorchSharp's failure to do so into one clear message. TorchSharp 0.107.0's
/// libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13); on an older libstdc++ (Debian 12 has GCC 12) the loader
/// refuses it and TorchSharp then wrongly reports that a libtorch-cpu package reference is missing. The build marks
/// that need weak in the copied library (activities/build/TorchSharpNative.targets); this check says so when it recurs.
/// </summary>
public static class TorchNative
{
    static readonly Lazy<string?> Failure = new(TryLoad);

    /// <exception cref="InvalidOperationException">libtorch cannot be loaded here; the message says why and what to do.</exception>
    public static void EnsureLoaded()
    {
        if (Failure.Value is { } message) throw new InvalidOperationException(message);
    }

    static string? TryLoad()
    {
        try
        {
            _ = torch.cuda.is_available();
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            return Explain();
        }
    }

    static string Explain()
    {
        var library = Path.Join(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !File.Exists(library))
        {
            return $"libtorch could not be loaded: {library} is missing. Build the project again (bin/pipelines builds itself; or dotnet build) "
                   + "so the TorchSharp-cpu native libraries are copied next to the program.";
        }
        if (NeedsNewerLibStdCxx(library))
        {
            return $"libtorch could not be loaded: {library} requires GLIBCXX_3.4.32 (GCC 13's libstdc++), which this system's libstdc++ lacks. "
                   + "The build marks that requirement weak in the copied library; this copy was not patched. Rebuild (dotnet build, or delete "
                   + "the bin folder and run bin/pipelines again); see docs/training.md, \"TorchSharp on older Linux\".";
        }
        return $"libtorch could not be loaded from {library}. Check that the libtorch-cpu-linux-x64 package "
               + "restored completely (dotnet restore), then rebuild.";
    }

    /// <summary>True when the library still has a non-weak GLIBCXX_3.4.32 need and no system libstdc++ defines it.</summary>
    static bool NeedsNewerLibStdCxx(string library)
    {
        var version = Encoding.ASCII.GetBytes("GLIBCXX_3.4.32\0");
        string[] system = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"];
        if (system.Any(path => File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(version) >= 0)) return false;
        return File.ReadAllBytes(library).AsSpan().IndexOf(version) >= 0;
    }
}
