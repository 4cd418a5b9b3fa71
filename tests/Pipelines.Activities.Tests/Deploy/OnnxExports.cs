using System.Text;
using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>Helpers over export folders for tests.</summary>
internal static class OnnxExports
{
    /// <summary>
    /// Makes the export in <paramref name="folder"/> look like one from before <see cref="OnnxExport.SlotsLayout"/>: drops
    /// the cache-layout entry, which the writer puts last in the model (field 14: tag, length, key and value strings).
    /// </summary>
    public static void ForgetCacheLayout(string folder)
    {
        var path = Path.Join(folder, OnnxExport.ModelFile);
        var bytes = File.ReadAllBytes(path);
        var (key, value) = (Encoding.UTF8.GetBytes(OnnxExport.CacheLayoutKey), Encoding.UTF8.GetBytes(OnnxExport.SlotsLayout));
        byte[] entry = [0x0A, (byte)key.Length, .. key, 0x12, (byte)value.Length, .. value];
        byte[] field = [(14 << 3) | 2, (byte)entry.Length, .. entry];
        if (!bytes.AsSpan().EndsWith(field)) throw new InvalidOperationException($"{path} does not end with the cache-layout entry");
        File.WriteAllBytes(path, bytes[..^field.Length]);
    }
}
