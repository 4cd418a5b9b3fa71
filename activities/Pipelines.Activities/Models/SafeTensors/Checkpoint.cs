using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.SafeTensors;

/// <summary>
/// The weights of a model folder as Hugging Face writes them: one <c>model.safetensors</c>, or shards
/// <c>model-00001-of-0000N.safetensors</c> listed by <c>model.safetensors.index.json</c>
/// (<c>{"metadata": {"total_size": …}, "weight_map": {key: file}}</c>). Files are opened lazily, once each.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private readonly Dictionary<string, string> _fileOfKey;
    private readonly Dictionary<string, SafeTensorsFile> _open = new(StringComparer.Ordinal);

    private Checkpoint(string directory, Dictionary<string, string> fileOfKey, IReadOnlyList<string> files)
    {
        Directory = directory;
        _fileOfKey = fileOfKey;
        Files = files;
    }

    public string Directory { get; }

    /// <summary>The safetensors files (names relative to <see cref="Directory"/>).</summary>
    public IReadOnlyList<string> Files { get; }

    public IEnumerable<string> Keys => _fileOfKey.Keys;

    public static string IndexFileName(string baseName = "model") => $"{baseName}.safetensors.index.json";

    /// <summary>Opens the weights of <paramref name="directory"/>: the index when present, else <c>{baseName}.safetensors</c>.</summary>
    public static Checkpoint Open(string directory, string baseName = "model")
    {
        var indexPath = Path.Combine(directory, IndexFileName(baseName));
        var singlePath = Path.Combine(directory, $"{baseName}.safetensors");
        if (File.Exists(indexPath)) return OpenIndex(directory, indexPath);
        if (File.Exists(singlePath))
        {
            using var file = SafeTensorsFile.Open(singlePath);
            var name = Path.GetFileName(singlePath);
            return new Checkpoint(directory, file.Tensors.Keys.ToDictionary(k => k, _ => name, StringComparer.Ordinal), [name]);
        }

        var hint = File.Exists(Path.Combine(directory, "pytorch_model.bin"))
            ? "it holds pytorch_model.bin (pickle), which is not read here; save it as safetensors (model.save_pretrained(dir, safe_serialization=True))"
            : "a model folder holds config.json with model.safetensors (or sharded files with model.safetensors.index.json)";
        throw new ModelFormatException($"{directory} has no {baseName}.safetensors or {IndexFileName(baseName)}", hint);
    }

    public bool Contains(string key) => _fileOfKey.ContainsKey(key);

    /// <summary>The path of the file that holds <paramref name="key"/>.</summary>
    public string PathOf(string key) => Path.Combine(Directory, _fileOfKey[key]);

    public SafeTensorInfo Info(string key) => Shard(key).Tensors.TryGetValue(key, out var info)
        ? info
        : throw new ModelFormatException($"{PathOf(key)} has no tensor '{key}', though {IndexFileName()} says it does", "the index and the shards disagree; save the model again");

    /// <summary>Reads one tensor (CPU, stored dtype).</summary>
    public Tensor Read(string key)
    {
        Info(key);
        return Shard(key).Read(key);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> into <paramref name="directory"/>: one <c>{baseName}.safetensors</c>, or, when
    /// they exceed <paramref name="maxShardBytes"/>, shards in order plus the index. Earlier weight files of that name
    /// are removed first so no stale shard or index survives. A tensor larger than the limit gets a shard of its own.
    /// </summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, long? maxShardBytes = null, string baseName = "model")
    {
        if (maxShardBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "the shard size must be positive");
        System.IO.Directory.CreateDirectory(directory);
        RemoveWeights(directory, baseName);

        long Bytes(Tensor t) => t.numel() * SafeTensorsDType.SizeOf(t.dtype);
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long current = 0;
        foreach (var entry in tensors)
        {
            var size = Bytes(entry.Value);
            if (maxShardBytes is { } max && shards[^1].Count > 0 && current + size > max)
            {
                shards.Add([]);
                current = 0;
            }

            shards[^1].Add(entry);
            current += size;
        }

        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (shards.Count == 1)
        {
            var name = $"{baseName}.safetensors";
            SafeTensorsFile.Write(Path.Combine(directory, name), shards[0], metadata);
            return [name];
        }

        var names = new List<string>();
        var weightMap = new JsonObject();
        for (var i = 0; i < shards.Count; i++)
        {
            var name = $"{baseName}-{i + 1:00000}-of-{shards.Count:00000}.safetensors";
            SafeTensorsFile.Write(Path.Combine(directory, name), shards[i], metadata);
            names.Add(name);
            foreach (var (key, _) in shards[i]) weightMap[key] = name;
        }

        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = tensors.Sum(t => Bytes(t.Value)) },
            ["weight_map"] = weightMap,
        };
        System.IO.File.WriteAllText(Path.Combine(directory, IndexFileName(baseName)), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return names;
    }

    public void Dispose()
    {
        foreach (var file in _open.Values) file.Dispose();
        _open.Clear();
    }

    private SafeTensorsFile Shard(string key)
    {
        if (!_fileOfKey.TryGetValue(key, out var name))
        {
            throw new ModelFormatException($"{Directory} has no tensor '{key}' in {string.Join(", ", Files)}", "the checkpoint does not match config.json; check that both come from the same model");
        }

        if (!_open.TryGetValue(name, out var file))
        {
            file = SafeTensorsFile.Open(Path.Combine(Directory, name));
            _open[name] = file;
        }

        return file;
    }

    private static Checkpoint OpenIndex(string directory, string indexPath)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(System.IO.File.ReadAllText(indexPath));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{indexPath} is not valid JSON ({e.Message})", "save the model again");
        }

        if (root?["weight_map"] is not JsonObject map)
        {
            throw new ModelFormatException($"{indexPath} has no weight_map", "an index maps each tensor name to its shard: {\"weight_map\": {\"key\": \"model-00001-of-00002.safetensors\"}}");
        }

        var fileOfKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            var file = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
            if (file is null || file.Contains('/') || file.Contains('\\') || file.Contains(".."))
            {
                throw new ModelFormatException($"{indexPath}: weight_map '{key}' does not name a shard file in the folder", "save the model again");
            }

            if (!System.IO.File.Exists(Path.Combine(directory, file)))
            {
                throw new ModelFormatException($"{indexPath} lists {file} for '{key}', but {Path.Combine(directory, file)} does not exist", "copy every shard into the folder");
            }

            fileOfKey[key] = file;
        }

        return new Checkpoint(directory, fileOfKey, fileOfKey.Values.Distinct().Order(StringComparer.Ordinal).ToList());
    }

    private static void RemoveWeights(string directory, string baseName)
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, $"{baseName}*.safetensors*"))
        {
            var name = Path.GetFileName(path);
            if (name == $"{baseName}.safetensors" || name == IndexFileName(baseName)
                || System.Text.RegularExpressions.Regex.IsMatch(name, $@"^{System.Text.RegularExpressions.Regex.Escape(baseName)}-\d{{5}}-of-\d{{5}}\.safetensors$"))
            {
                System.IO.File.Delete(path);
            }
        }
    }
}
