using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// Runs a decoder exported by <see cref="OnnxExport"/> (or any graph with ONNX Runtime GenAI's input and output names)
/// in ONNX Runtime: a prompt in one pass, then one token per step reusing the key/value cache, and greedy generation.
/// The sizes it needs (layers, key/value heads, head size, vocabulary) are read from the graph's own inputs and
/// outputs. One decoder may serve several caches, one after another.
/// </summary>
public sealed class OnnxDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _outputs;
    private readonly string _path;

    private OnnxDecoder(InferenceSession session, bool usesCuda, string path)
    {
        (_session, _path) = (session, path);
        HasSlots = session.ModelMetadata.CustomMetadataMap.TryGetValue(OnnxExport.CacheLayoutKey, out var layout) && layout == OnnxExport.SlotsLayout;
        UsesCuda = usesCuda;
        var inputs = session.InputMetadata;
        LayerCount = inputs.Keys.Count(k => k.StartsWith("past_key_values.", StringComparison.Ordinal) && k.EndsWith(".key", StringComparison.Ordinal));
        var past = inputs[PastName(0, "key")].Dimensions;
        (KeyValueHeads, HeadSize) = (past[1], past[3]);
        VocabSize = session.OutputMetadata["logits"].Dimensions[2];
        _outputs = ["logits", .. Enumerable.Range(0, LayerCount).SelectMany(i => new[] { PresentName(i, "key"), PresentName(i, "value") })];
    }

    public int LayerCount { get; }

    public int KeyValueHeads { get; }

    public int HeadSize { get; }

    public int VocabSize { get; }

    /// <summary>
    /// Whether the graph can keep sequences of different lengths in <see cref="OnnxKvSlots"/> (exports made before
    /// <see cref="OnnxExport.SlotsLayout"/> cannot; they run with <see cref="OnnxKvCache"/> only).
    /// </summary>
    public bool HasSlots { get; }

    /// <summary>Whether the session runs on the CUDA execution provider.</summary>
    public bool UsesCuda { get; }

    /// <summary>
    /// Loads <c>model.onnx</c> (and its external weights) from <paramref name="directory"/>. A missing, corrupt or
    /// foreign file is a <see cref="ModelFormatException"/> naming it.
    /// </summary>
    public static OnnxDecoder Open(string directory, OnnxDecoderOptions? options = null)
    {
        options ??= new OnnxDecoderOptions();
        var path = Path.Combine(directory, OnnxExport.ModelFile);
        if (!File.Exists(path)) throw new ModelFormatException($"{directory} has no {OnnxExport.ModelFile}", "export the model with model.quantize (its variants hold onnx/ folders), or serve the registered version, which exports it once");
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = options.IntraOpThreads };
        var cuda = options.PreferCuda && TryAppendCuda(sessionOptions);
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{path} cannot be loaded by ONNX Runtime: {FirstLine(e.Message)}", "the file (or its model.onnx.data) is damaged or not an ONNX model; export the model again");
        }

        try
        {
            return new OnnxDecoder(session, cuda, path);
        }
        catch (KeyNotFoundException)
        {
            session.Dispose();
            throw new ModelFormatException($"{path} is not a decoder with a key/value cache (it lacks logits or past_key_values.0.key)", "export the model with OnnxExport.Write");
        }
    }

    /// <summary>An empty cache for <paramref name="batch"/> sequences fed together.</summary>
    public OnnxKvCache NewCache(int batch = 1) => new(batch, LayerCount, KeyValueHeads, HeadSize);

    /// <summary><paramref name="slots"/> slots of up to <paramref name="maxLength"/> positions for <see cref="Prefill"/> and <see cref="Decode"/>.</summary>
    public OnnxKvSlots NewSlots(int slots, int maxLength) => HasSlots
        ? new(slots, LayerCount, KeyValueHeads, HeadSize, maxLength)
        : throw new ModelFormatException($"{_path} was exported before key/value caches could be shared by sequences of different lengths (its attention concatenates caches)",
            "export the model again (model.quantize, or OnnxExport.Write): serving needs the current export");

    /// <summary>
    /// Logits <c>[batch, seq, vocab]</c>, row-major, for <paramref name="inputIds"/> <c>[batch, seq]</c> after what
    /// <paramref name="cache"/> holds; the cache then holds these tokens too.
    /// </summary>
    public float[] Forward(long[] inputIds, OnnxKvCache cache)
    {
        if (inputIds.Length == 0 || inputIds.Length % cache.Batch != 0) throw new ArgumentException($"{inputIds.Length} input ids do not make {cache.Batch} equal rows", nameof(inputIds));
        var seq = inputIds.Length / cache.Batch;
        var mask = new long[cache.Batch * (cache.Length + seq)];
        Array.Fill(mask, 1L);
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            inputs["input_ids"] = OrtValue.CreateTensorValueFromMemory(inputIds, [cache.Batch, seq]);
            inputs["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, [cache.Batch, cache.Length + seq]);
            for (var layer = 0; layer < LayerCount; layer++)
            {
                inputs[PastName(layer, "key")] = cache.Key(layer);
                inputs[PastName(layer, "value")] = cache.Value(layer);
            }

            using var runOptions = new RunOptions();
            var results = _session.Run(runOptions, inputs, _outputs);
            var logits = results[0].GetTensorDataAsSpan<float>().ToArray();
            results[0].Dispose();
            cache.Advance(seq, Enumerable.Range(0, LayerCount).Select(i => results[1 + 2 * i]).ToList(), Enumerable.Range(0, LayerCount).Select(i => results[2 + 2 * i]).ToList());
            return logits;
        }
        finally
        {
            inputs.GetValueOrDefault("input_ids")?.Dispose();
            inputs.GetValueOrDefault("attention_mask")?.Dispose();
        }
    }

    /// <summary>
    /// The prompts of sequences taking slots <c>[first, first + count)</c>, in one pass (right-padded to the longest);
    /// each slot then holds its prompt. Returns the logits of each prompt's last token, <c>[count, vocab]</c>.
    /// </summary>
    public float[] Prefill(OnnxKvSlots slots, int first, IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        var (count, width) = (prompts.Count, prompts.Max(p => p.Count));
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("every prompt needs at least one token", nameof(prompts));
        if (first < 0 || first + count > slots.Slots) throw new ArgumentOutOfRangeException(nameof(first), first, $"{count} prompts from slot {first} do not fit {slots.Slots} slots");
        slots.EnsureCapacity(width, first);
        var ids = new long[count * width];
        var mask = new long[count * width];
        for (var row = 0; row < count; row++)
        {
            for (var i = 0; i < prompts[row].Count; i++) (ids[row * width + i], mask[row * width + i]) = (prompts[row][i], 1);
        }

        var logits = Run(slots, first, count, ids, mask, width, width);
        var last = new float[count * VocabSize];
        for (var row = 0; row < count; row++) logits.AsSpan(((row * width) + prompts[row].Count - 1) * VocabSize, VocabSize).CopyTo(last.AsSpan(row * VocabSize));
        return last;
    }

    /// <summary>
    /// One token for each of slots <c>[0, tokens.Length)</c>, slot <c>b</c> holding <c>held[b]</c> positions before it
    /// (and one more after). Returns logits <c>[tokens.Length, vocab]</c>.
    /// </summary>
    public float[] Decode(OnnxKvSlots slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> held)
    {
        var count = tokens.Length;
        if (held.Length != count) throw new ArgumentException($"{held.Length} lengths for {count} tokens", nameof(held));
        if (count == 0 || count > slots.Slots) throw new ArgumentOutOfRangeException(nameof(tokens), count, $"1 to {slots.Slots} tokens");
        var total = 0;
        foreach (var length in held) total = Math.Max(total, length + 1);
        slots.EnsureCapacity(total, count);
        var ids = new long[count];
        var mask = new long[count * total];
        for (var row = 0; row < count; row++)
        {
            ids[row] = tokens[row];
            Array.Fill(mask, 1L, row * total, held[row] + 1);
        }

        return Run(slots, 0, count, ids, mask, 1, total);
    }

    /// <summary>One pass over slots <c>[first, first + count)</c> with past and present bound to the slots' buffers.</summary>
    private float[] Run(OnnxKvSlots slots, int first, int count, long[] ids, long[] mask, int seq, int total)
    {
        var logits = new float[count * seq * VocabSize];
        var values = new List<OrtValue>(4 + 2 * LayerCount);
        try
        {
            using var binding = _session.CreateIoBinding();
            OrtValue Add(OrtValue value)
            {
                values.Add(value);
                return value;
            }

            binding.BindInput("input_ids", Add(OrtValue.CreateTensorValueFromMemory(ids, [count, seq])));
            binding.BindInput("attention_mask", Add(OrtValue.CreateTensorValueFromMemory(mask, [count, total])));
            for (var layer = 0; layer < LayerCount; layer++)
            {
                var (keys, vals) = (Add(slots.Keys(layer, first, count)), Add(slots.Values(layer, first, count)));
                binding.BindInput(PastName(layer, "key"), keys);
                binding.BindInput(PastName(layer, "value"), vals);
                binding.BindOutput(PresentName(layer, "key"), keys);
                binding.BindOutput(PresentName(layer, "value"), vals);
            }

            binding.BindOutput("logits", Add(OrtValue.CreateTensorValueFromMemory(logits, [count, seq, VocabSize])));
            using var runOptions = new RunOptions();
            _session.RunWithBinding(runOptions, binding);
            return logits;
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    /// <summary>
    /// Greedy continuation of one prompt: up to <paramref name="maxNewTokens"/> new token ids, ending before a token of
    /// <paramref name="stopIds"/> (not included).
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, int maxNewTokens, IReadOnlySet<int>? stopIds = null)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token", nameof(prompt));
        using var cache = NewCache();
        var generated = new List<int>(maxNewTokens);
        var logits = Forward(prompt.Select(t => (long)t).ToArray(), cache);
        while (generated.Count < maxNewTokens)
        {
            var next = ArgMax(logits.AsSpan(logits.Length - VocabSize));
            if (stopIds?.Contains(next) == true) break;
            generated.Add(next);
            if (generated.Count == maxNewTokens) break;
            logits = Forward([next], cache);
        }

        return [.. generated];
    }

    public void Dispose() => _session.Dispose();

    /// <summary>The index of the largest value (the first of equals): the greedy choice over a row of logits.</summary>
    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }

        return best;
    }

    private static bool TryAppendCuda(SessionOptions options)
    {
        if (!OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider")) return false;
        try
        {
            options.AppendExecutionProvider_CUDA();
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    private static string PastName(int layer, string part) => $"past_key_values.{layer}.{part}";

    private static string PresentName(int layer, string part) => $"present.{layer}.{part}";

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
