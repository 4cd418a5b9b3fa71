using System.Runtime.InteropServices;
using Pipelines.Activities.Models.Quantization;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// What Llama's and GPT-2's ONNX graphs share: ONNX Runtime GenAI's inputs and outputs, each row's length and positions
/// from <c>attention_mask</c> (right padding: a row's real tokens first, as GroupQueryAttention reads them), linear maps
/// (float32 <c>MatMul</c>, or <c>MatMulNBits</c> for quantized weights), token embeddings (<c>Gather</c> or
/// <c>GatherBlockQuantized</c>), attention over the key/value cache (<c>GroupQueryAttention</c>), and the LM head.
/// </summary>
internal sealed class DecoderGraph
{
    private readonly OnnxGraph _g;
    private readonly IReadOnlyDictionary<string, QuantizedMatrix> _quantized;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headSize;
    private readonly Dictionary<string, NBitsWeights> _embeddings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly int _cacheHeadSize;
    private readonly string _newTokens;
    private readonly string _total;
    private readonly string _held;
    private readonly string _seqLens;
    private readonly string _totalLength;
    private readonly OnnxExportOptions _options;

    private readonly record struct NBitsShape(int Rows, int Columns, int Bits, int BlockSize, int Blocks, int BlobBytes);

    /// <summary>Where a quantized matrix's codes and scales lie in the external data file, and its shape.</summary>
    private readonly record struct NBitsWeights(OnnxWeightFile.Range Codes, OnnxWeightFile.Range Scales, NBitsShape Shape);

    public DecoderGraph(OnnxGraph graph, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, int heads, int kvHeads, int headSize, OnnxExportOptions options)
    {
        (_g, _heads, _kvHeads, _headSize, _options) = (graph, heads, kvHeads, headSize, options);
        _cacheHeadSize = CacheHeadSize(headSize);
        _quantized = quantized ?? new Dictionary<string, QuantizedMatrix>();
        InputIds = _g.Input("input_ids", OnnxType.Int64, "batch_size", "sequence_length");
        AttentionMaskInput = _g.Input("attention_mask", OnnxType.Int64, "batch_size", "total_sequence_length");
        _newTokens = _g.Node("Shape", [InputIds], attributes: [("start", 1L), ("end", 2L)]);
        _total = _g.Node("Shape", [AttentionMaskInput], attributes: [("start", 1L), ("end", 2L)]);
        _held = _g.Node("ReduceSum", [AttentionMaskInput, _g.Constant(1)], attributes: [("keepdims", 1L)]);
        _seqLens = _g.Node("Cast", [_g.Node("Squeeze", [_g.Node("Sub", [_held, _g.Constant(1)]), _g.Constant(1)])], attributes: [("to", (long)OnnxType.Int32)]);
        _totalLength = _g.Node("Cast", [_total], attributes: [("to", (long)OnnxType.Int32)]);
    }

    public OnnxGraph Graph => _g;

    public string InputIds { get; }

    public string AttentionMaskInput { get; }

    /// <summary>
    /// The head size of the key/value cache: the model's, rounded up to a multiple of 8 as GroupQueryAttention requires
    /// (the extra columns are zeros, which change no score and no output).
    /// </summary>
    public static int CacheHeadSize(int headSize) => (headSize + 7) / 8 * 8;

    /// <summary>
    /// Position ids <c>[batch, seq]</c> of the new tokens. Each row's real tokens come first (right padding): a first
    /// prompt (as many new tokens as the mask is wide) counts from 0; otherwise a row's new tokens follow the
    /// <c>sum(mask) − seq</c> it held.
    /// </summary>
    public string Positions()
    {
        var firstPrompt = _g.Node("Equal", [_total, _newTokens]);
        var past = _g.Node("Where", [firstPrompt, _g.Constant(0), _g.Node("Sub", [_held, _newTokens])]);
        var count = _g.Node("Squeeze", [_newTokens, _g.Constant(0)]);
        var offsets = _g.Node("Unsqueeze", [_g.Node("Range", [_g.Scalar(0L), count, _g.Scalar(1L)]), _g.Constant(0)]);
        return _g.Node("Add", [past, offsets]);
    }

    /// <summary>A float32 weight (a norm's, a bias, a position table) under its checkpoint key, in its own shape.</summary>
    public string Weight(string key, Tensor weight) => _g.Weight(key, QuantizableMatrix.Floats(weight), weight.shape);

    /// <summary><c>x·Wᵀ + b</c> for the projection whose weight is checkpoint key <paramref name="key"/>.</summary>
    public string Linear(string x, string key, Projection p)
    {
        string y;
        if (Quantized(key) is { } q)
        {
            y = MatMulNBits(x, key, WriteNBits(q));
        }
        else
        {
            using var scope = NewDisposeScope();
            var inOut = p.FanInFanOut ? p.weight : p.weight.t();
            y = _g.Node("MatMul", [x, _g.Weight(key, QuantizableMatrix.Floats(inOut), [p.InFeatures, p.OutFeatures])]);
        }

        return p.bias is null ? y : _g.Node("Add", [y, Weight(key[..^"weight".Length] + "bias", p.bias)]);
    }

    /// <summary>
    /// The rows of embedding <paramref name="key"/> for <paramref name="ids"/> (<c>[.., width]</c>), and the name of the
    /// float32 weight (null when quantized).
    /// </summary>
    public (string Rows, string? Weight) Embedding(string key, Tensor weight, string ids)
    {
        var width = weight.shape[1];
        if (Quantized(key) is not { } q)
        {
            var name = Weight(key, weight);
            return (_g.Node("Gather", [name, ids]), name);
        }

        var written = WriteNBits(q);
        _embeddings[key] = written;
        var s = written.Shape;
        var data = _g.Weight($"{key}.gather_codes", OnnxType.UInt8, [s.Rows, (long)s.Blocks * s.BlobBytes], written.Codes);
        var scales = _g.Weight($"{key}.gather_scales", OnnxType.Float, [s.Rows, s.Blocks], written.Scales);
        var gathered = _g.Node("GatherBlockQuantized", [data, ids, scales], domain: OnnxGraph.Microsoft,
            attributes: [("gather_axis", 0L), ("quantize_axis", 1L), ("block_size", (long)s.BlockSize), ("bits", (long)s.Bits)]);
        // Codes are padded to whole blocks; the padding columns are cut off.
        var full = s.Blocks * s.BlockSize == width ? gathered : _g.Node("Slice", [gathered, _g.Constant(0), _g.Constant(width), _g.Constant(-1)]);
        return (full, null);
    }

    /// <summary>
    /// Logits <c>h·Eᵀ</c> with token embedding <paramref name="key"/> as the LM head, reading the bytes already written
    /// for it: the quantized codes through MatMulNBits, or the float32 weight <paramref name="weight"/> transposed (ONNX
    /// Runtime folds that transpose once at load, so the file holds the embedding once).
    /// </summary>
    public string TiedHead(string h, string key, string? weight)
    {
        if (_embeddings.TryGetValue(key, out var written)) return MatMulNBits(h, key[..^"weight".Length] + "head", written, "logits");
        return _g.Node("MatMul", [h, _g.Node("Transpose", [weight!], attributes: [("perm", new long[] { 1, 0 })])], "logits");
    }

    /// <summary>
    /// Attention of layer <paramref name="layer"/> (ONNX Runtime's <c>GroupQueryAttention</c>) for queries, keys and
    /// values <c>[batch, seq, heads·head_size]</c>, positions already applied: writes the new keys and values after
    /// each row's past in <c>present.N.*</c> and returns <c>[batch, seq, heads·head_size]</c>. Bound to the same
    /// buffer as <c>past_key_values.N.*</c> (<see cref="OnnxKvSlots"/>), present is written in place; otherwise it is
    /// the past plus the new tokens.
    /// </summary>
    public string Attend(string q, string k, string v, int layer)
    {
        var pastKey = _g.Input($"past_key_values.{layer}.key", OnnxType.Float, "batch_size", _kvHeads, "past_sequence_length", _cacheHeadSize);
        var pastValue = _g.Input($"past_key_values.{layer}.value", OnnxType.Float, "batch_size", _kvHeads, "past_sequence_length", _cacheHeadSize);
        var outputs = _g.Node("GroupQueryAttention", [PadHeads(q, _heads), PadHeads(k, _kvHeads), PadHeads(v, _kvHeads), pastKey, pastValue, _seqLens, _totalLength],
            [$"attention.{layer}", $"present.{layer}.key", $"present.{layer}.value"], OnnxGraph.Microsoft,
            ("num_heads", (long)_heads), ("kv_num_heads", (long)_kvHeads), ("scale", (float)(1 / Math.Sqrt(_headSize))));
        _g.Output(outputs[1], OnnxType.Float, "batch_size", _kvHeads, "present_sequence_length", _cacheHeadSize);
        _g.Output(outputs[2], OnnxType.Float, "batch_size", _kvHeads, "present_sequence_length", _cacheHeadSize);
        return UnpadHeads(outputs[0], _heads);
    }

    /// <summary><c>[batch, seq, n·head_size]</c> with each head padded by zeros to <see cref="CacheHeadSize"/>.</summary>
    private string PadHeads(string x, int n)
    {
        if (_cacheHeadSize == _headSize) return x;
        var heads = _g.Node("Reshape", [x, _g.Constant(0, 0, n, _headSize)]);
        var padded = _g.Node("Pad", [heads, _g.Constant(0, 0, 0, 0, 0, 0, 0, _cacheHeadSize - _headSize)]);
        return _g.Node("Reshape", [padded, _g.Constant(0, 0, n * _cacheHeadSize)]);
    }

    /// <summary>The inverse of <see cref="PadHeads"/>: each head's first head_size columns.</summary>
    private string UnpadHeads(string x, int n)
    {
        if (_cacheHeadSize == _headSize) return x;
        var heads = _g.Node("Reshape", [x, _g.Constant(0, 0, n, _cacheHeadSize)]);
        var cut = _g.Node("Slice", [heads, _g.Constant(0), _g.Constant(_headSize), _g.Constant(-1)]);
        return _g.Node("Reshape", [cut, _g.Constant(0, 0, n * _headSize)]);
    }

    /// <summary>Declares the logits output <c>[batch, seq, vocab]</c>.</summary>
    public void Logits(long vocab) => _g.Output("logits", OnnxType.Float, "batch_size", "sequence_length", vocab);

    /// <summary>Quantized matrices no weight of the graph read: keys that name nothing in this model.</summary>
    public IEnumerable<string> UnusedQuantized => _quantized.Keys.Where(k => !_used.Contains(k));

    private QuantizedMatrix? Quantized(string key)
    {
        if (!_quantized.TryGetValue(key, out var q)) return null;
        _used.Add(key);
        return q;
    }

    /// <summary>Writes the codes and scales of <paramref name="q"/> in ONNX Runtime's block layout.</summary>
    private NBitsWeights WriteNBits(QuantizedMatrix q)
    {
        var m = new NBitsMatrix(q);
        var codes = _g.Weights.Append(m.Codes);
        var scales = _g.Weights.Append(MemoryMarshal.AsBytes(m.Scales.AsSpan()));
        return new NBitsWeights(codes, scales, new NBitsShape(m.Rows, m.Columns, m.Bits, m.BlockSize, m.Blocks, m.BlobBytes));
    }

    /// <remarks>
    /// <c>accuracy_level</c> 4 (<see cref="OnnxExportOptions.Int8Activations"/>, the default) has ONNX Runtime quantize
    /// each activation row to int8 and multiply integers, as llama.cpp does for Q8_0 and Q4_0; on ONNX Runtime 1.32's CPU
    /// kernels that made 8-bit decoding about 60 times faster than level 0, which dequantizes the weights to float32
    /// and so computes exactly what the dequantized model computes (the parity tests export that way).
    /// </remarks>
    private string MatMulNBits(string x, string key, NBitsWeights w, string? output = null)
    {
        var s = w.Shape;
        var codes = _g.Weight($"{key}.codes", OnnxType.UInt8, [s.Rows, s.Blocks, s.BlobBytes], w.Codes);
        var scales = _g.Weight($"{key}.scales", OnnxType.Float, [s.Rows, s.Blocks], w.Scales);
        return _g.Node("MatMulNBits", [x, codes, scales], output, OnnxGraph.Microsoft,
            ("K", (long)s.Columns), ("N", (long)s.Rows), ("bits", (long)s.Bits), ("block_size", (long)s.BlockSize),
            ("accuracy_level", _options.Int8Activations ? 4L : 0L));
    }
}
