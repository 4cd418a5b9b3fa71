using System.Runtime.InteropServices;
using Pipelines.Activities.Models.Quantization;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// What Llama's and GPT-2's ONNX graphs share: ONNX Runtime GenAI's inputs and outputs, positions and the attention
/// mask computed from <c>attention_mask</c> as <see cref="AttentionMask"/> computes them, linear maps (float32
/// <c>MatMul</c>, or <c>MatMulNBits</c> for quantized weights), token embeddings (<c>Gather</c> or
/// <c>GatherBlockQuantized</c>), attention over the key/value cache, and the LM head.
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
    private string? _bias;
    private readonly OnnxExportOptions _options;

    private readonly record struct NBitsShape(int Rows, int Columns, int Bits, int Blocks, int BlobBytes);

    /// <summary>Where a quantized matrix's codes and scales lie in the external data file, and its shape.</summary>
    private readonly record struct NBitsWeights(OnnxWeightFile.Range Codes, OnnxWeightFile.Range Scales, NBitsShape Shape);

    public DecoderGraph(OnnxGraph graph, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, int heads, int kvHeads, int headSize, OnnxExportOptions options)
    {
        (_g, _heads, _kvHeads, _headSize, _options) = (graph, heads, kvHeads, headSize, options);
        _quantized = quantized ?? new Dictionary<string, QuantizedMatrix>();
        InputIds = _g.Input("input_ids", OnnxType.Int64, "batch_size", "sequence_length");
        AttentionMaskInput = _g.Input("attention_mask", OnnxType.Int64, "batch_size", "total_sequence_length");
        var newTokens = _g.Node("Shape", [InputIds], attributes: [("start", 1L), ("end", 2L)]);
        Total = _g.Node("Shape", [AttentionMaskInput], attributes: [("start", 1L), ("end", 2L)]);
        Past = _g.Node("Sub", [Total, newTokens]);
    }

    public OnnxGraph Graph => _g;

    public string InputIds { get; }

    public string AttentionMaskInput { get; }

    /// <summary><c>[1]</c>: tokens held before this step (past_sequence_length).</summary>
    public string Past { get; }

    /// <summary><c>[1]</c>: held plus new tokens (total_sequence_length).</summary>
    public string Total { get; }

    /// <summary>Position ids <c>[batch, seq]</c>: <c>cumsum(mask) − 1</c> over real tokens, pads at 1, the new tokens' columns.</summary>
    public string Positions()
    {
        var counted = _g.Node("Sub", [_g.Node("CumSum", [AttentionMaskInput, _g.Scalar(1L)]), _g.Constant(1)]);
        var padded = _g.Node("Equal", [AttentionMaskInput, _g.Constant(0)]);
        var all = _g.Node("Where", [padded, _g.Constant(1), counted]);
        return _g.Node("Slice", [all, Past, Total, _g.Constant(1)]);
    }

    /// <summary>
    /// The additive mask <c>[batch, 1, seq, total]</c>: 0 where a query may see a key (causal, and a real token, or
    /// itself), −∞ elsewhere; built once and shared by every layer.
    /// </summary>
    private string MaskBias()
    {
        if (_bias is not null) return _bias;
        var total = _g.Node("Squeeze", [Total, _g.Constant(0)]);
        var keys = _g.Node("Unsqueeze", [_g.Node("Range", [_g.Scalar(0L), total, _g.Scalar(1L)]), _g.Constant(0)]);
        var queries = _g.Node("Unsqueeze", [_g.Node("Range", [_g.Node("Squeeze", [Past, _g.Constant(0)]), total, _g.Scalar(1L)]), _g.Constant(1)]);
        var causal = _g.Node("LessOrEqual", [keys, queries]);
        var self = _g.Node("Equal", [keys, queries]);
        var real = _g.Node("Unsqueeze", [_g.Node("Cast", [AttentionMaskInput], attributes: [("to", (long)OnnxType.Bool)]), _g.Constant(1, 2)]);
        var allowed = _g.Node("Or", [_g.Node("And", [causal, real]), self]);
        return _bias = _g.Node("Where", [allowed, _g.Scalar(0f), _g.Scalar(float.NegativeInfinity)]);
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
            attributes: [("gather_axis", 0L), ("quantize_axis", 1L), ("block_size", (long)NBitsMatrix.BlockSize), ("bits", (long)s.Bits)]);
        // Codes are padded to whole blocks; the padding columns are cut off.
        var full = s.Blocks * NBitsMatrix.BlockSize == width ? gathered : _g.Node("Slice", [gathered, _g.Constant(0), _g.Constant(width), _g.Constant(-1)]);
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

    /// <summary><c>[batch, seq, n·head_size]</c> → <c>[batch, n, seq, head_size]</c>.</summary>
    public string SplitHeads(string x, int n) =>
        _g.Node("Transpose", [_g.Node("Reshape", [x, _g.Constant(0, 0, n, _headSize)])], attributes: [("perm", new long[] { 0, 2, 1, 3 })]);

    /// <summary>
    /// Attention of layer <paramref name="layer"/> over past and new keys (BNSH): appends <paramref name="k"/> and
    /// <paramref name="v"/> to <c>past_key_values.N.*</c> as <c>present.N.*</c>, repeats key/value heads for grouped
    /// queries, and returns <c>[batch, seq, heads·head_size]</c>.
    /// </summary>
    public string Attend(string q, string k, string v, int layer)
    {
        var pastKey = _g.Input($"past_key_values.{layer}.key", OnnxType.Float, "batch_size", _kvHeads, "past_sequence_length", _headSize);
        var pastValue = _g.Input($"past_key_values.{layer}.value", OnnxType.Float, "batch_size", _kvHeads, "past_sequence_length", _headSize);
        var keys = _g.Node("Concat", [pastKey, k], $"present.{layer}.key", attributes: [("axis", 2L)]);
        var values = _g.Node("Concat", [pastValue, v], $"present.{layer}.value", attributes: [("axis", 2L)]);
        _g.Output(keys, OnnxType.Float, "batch_size", _kvHeads, "total_sequence_length", _headSize);
        _g.Output(values, OnnxType.Float, "batch_size", _kvHeads, "total_sequence_length", _headSize);
        (keys, values) = (RepeatHeads(keys), RepeatHeads(values));

        var scores = _g.Node("MatMul", [q, _g.Node("Transpose", [keys], attributes: [("perm", new long[] { 0, 1, 3, 2 })])]);
        scores = _g.Node("Add", [_g.Node("Mul", [scores, _g.Scalar((float)(1 / Math.Sqrt(_headSize)))]), MaskBias()]);
        var y = _g.Node("MatMul", [_g.Node("Softmax", [scores], attributes: [("axis", -1L)]), values]);
        return _g.Node("Reshape", [_g.Node("Transpose", [y], attributes: [("perm", new long[] { 0, 2, 1, 3 })]), _g.Constant(0, 0, _heads * _headSize)]);
    }

    /// <summary>Declares the logits output <c>[batch, seq, vocab]</c>.</summary>
    public void Logits(long vocab) => _g.Output("logits", OnnxType.Float, "batch_size", "sequence_length", vocab);

    /// <summary>Each key/value head repeated for its group of query heads (<c>repeat_interleave</c> on the head axis).</summary>
    private string RepeatHeads(string x)
    {
        if (_kvHeads == _heads) return x;
        var expanded = _g.Node("Unsqueeze", [x, _g.Constant(2)]);
        var copies = _g.Node("Concat", Enumerable.Repeat(expanded, _heads / _kvHeads).ToArray(), attributes: [("axis", 2L)]);
        return _g.Node("Reshape", [copies, _g.Constant(0, _heads, -1, _headSize)]);
    }

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
        return new NBitsWeights(codes, scales, new NBitsShape(m.Rows, m.Columns, m.Bits, m.Blocks, m.BlobBytes));
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
            ("K", (long)s.Columns), ("N", (long)s.Rows), ("bits", (long)s.Bits), ("block_size", (long)NBitsMatrix.BlockSize),
            ("accuracy_level", _options.Int8Activations ? 4L : 0L));
    }
}
