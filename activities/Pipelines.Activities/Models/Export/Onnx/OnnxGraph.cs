using System.Runtime.InteropServices;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>An ONNX element type (<c>TensorProto.DataType</c>).</summary>
internal enum OnnxType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
}

/// <summary>A node attribute: an int, a float, a string or a list of ints.</summary>
internal readonly record struct OnnxAttribute(string Name, object Value)
{
    public static implicit operator OnnxAttribute((string Name, long Value) a) => new(a.Name, a.Value);
    public static implicit operator OnnxAttribute((string Name, float Value) a) => new(a.Name, a.Value);
    public static implicit operator OnnxAttribute((string Name, string Value) a) => new(a.Name, a.Value);
    public static implicit operator OnnxAttribute((string Name, long[] Value) a) => new(a.Name, a.Value);
}

/// <summary>
/// An ONNX graph being built, written as a <c>ModelProto</c> (field numbers from onnx.proto). Weights are written at
/// once to the external data file and only referenced here, so the graph stays small and the export never holds the
/// model twice; small constants (shapes, axes, scalars) are stored inline.
/// </summary>
internal sealed class OnnxGraph(OnnxWeightFile weights)
{
    // ModelProto
    private const int IrVersionField = 1, ProducerNameField = 2, ProducerVersionField = 3, GraphField = 7, OpsetImportField = 8, MetadataPropsField = 14;
    // GraphProto
    private const int NodeField = 1, GraphNameField = 2, InitializerField = 5, InputField = 11, OutputField = 12;
    // NodeProto
    private const int NodeInputField = 1, NodeOutputField = 2, NodeNameField = 3, OpTypeField = 4, AttributeField = 5, DomainField = 7;
    // AttributeProto and its AttributeType values
    private const int AttributeNameField = 1, AttributeFloatField = 2, AttributeIntField = 3, AttributeStringField = 4, AttributeIntsField = 8, AttributeTypeField = 20;
    private const int FloatAttribute = 1, IntAttribute = 2, StringAttribute = 3, IntsAttribute = 7;
    // TensorProto and its DataLocation.EXTERNAL
    private const int DimsField = 1, DataTypeField = 2, TensorNameField = 8, RawDataField = 9, ExternalDataField = 13, DataLocationField = 14;
    private const int External = 1;
    // ValueInfoProto → TypeProto → TypeProto.Tensor → TensorShapeProto → Dimension
    private const int ValueNameField = 1, ValueTypeField = 2, TensorTypeField = 1, ElemTypeField = 1, ShapeField = 2, DimField = 1, DimValueField = 1, DimParamField = 2;
    // OperatorSetIdProto, StringStringEntryProto
    private const int OpsetDomainField = 1, OpsetVersionField = 2, KeyField = 1, ValueField = 2;

    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    private const int IrVersion = 8;
    public const int Opset = 17;
    public const string Microsoft = "com.microsoft";

    private readonly ProtoWriter _graph = new();
    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);
    private int _nodes;

    public OnnxWeightFile Weights => weights;

    /// <summary>Adds node <paramref name="op"/> and returns its (first) output's name, <paramref name="output"/> or a fresh one.</summary>
    public string Node(string op, IReadOnlyList<string> inputs, string? output = null, string domain = "", params OnnxAttribute[] attributes) =>
        Node(op, inputs, [output ?? $"{op}_{_nodes}"], domain, attributes)[0];

    public IReadOnlyList<string> Node(string op, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string domain, params OnnxAttribute[] attributes)
    {
        var name = $"{op}_{_nodes++}";
        _graph.Message(NodeField, n =>
        {
            foreach (var input in inputs) n.String(NodeInputField, input);
            foreach (var output in outputs) n.String(NodeOutputField, output);
            n.String(NodeNameField, name);
            n.String(OpTypeField, op);
            foreach (var attribute in attributes) n.Message(AttributeField, a => WriteAttribute(a, attribute));
            if (domain.Length > 0) n.String(DomainField, domain);
        });
        return outputs;
    }

    /// <summary>A graph input; each dimension is a number or a symbolic name (<c>batch</c>, <c>sequence_length</c>).</summary>
    public string Input(string name, OnnxType type, params object[] dims)
    {
        _graph.Message(InputField, v => WriteValueInfo(v, name, type, dims));
        return name;
    }

    public void Output(string name, OnnxType type, params object[] dims) => _graph.Message(OutputField, v => WriteValueInfo(v, name, type, dims));

    /// <summary>A weight whose bytes go to the external data file now; returns its name.</summary>
    public string Weight(string name, OnnxType type, long[] dims, ReadOnlySpan<byte> data) => Weight(name, type, dims, weights.Append(data));

    /// <summary>A weight that reads bytes already in the external data file (another tensor's, under another shape).</summary>
    public string Weight(string name, OnnxType type, long[] dims, OnnxWeightFile.Range range)
    {
        _graph.Message(InitializerField, t =>
        {
            WriteTensorHeader(t, name, type, dims);
            t.Message(ExternalDataField, e => Entry(e, "location", weights.FileName));
            t.Message(ExternalDataField, e => Entry(e, "offset", range.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            t.Message(ExternalDataField, e => Entry(e, "length", range.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            t.Int(DataLocationField, External);
        });
        return name;
    }

    public string Weight(string name, float[] values, long[] dims) => Weight(name, OnnxType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>A small constant stored in the graph; equal constants are stored once.</summary>
    public string Constant(params long[] values) => Constant(OnnxType.Int64, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()), "i" + string.Join('_', values));

    public string Scalar(long value) => Constant(OnnxType.Int64, [], MemoryMarshal.AsBytes(new[] { value }.AsSpan()), "s" + value);

    public string Scalar(float value) => Constant(OnnxType.Float, [], MemoryMarshal.AsBytes(new[] { value }.AsSpan()), "f" + BitConverter.SingleToInt32Bits(value));

    public string Constant(float[] values, long[] dims, string name) => Constant(OnnxType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()), name);

    private string Constant(OnnxType type, long[] dims, ReadOnlySpan<byte> data, string key)
    {
        var name = $"const_{key.Replace('-', 'm')}";
        if (!_constants.Add(name)) return name;
        var bytes = data.ToArray();
        _graph.Message(InitializerField, t =>
        {
            WriteTensorHeader(t, name, type, dims);
            t.Bytes(RawDataField, bytes);
        });
        return name;
    }

    /// <summary>The <c>ModelProto</c> bytes: this graph with the standard opset and the com.microsoft contrib opset, and <paramref name="metadata"/> as its metadata_props.</summary>
    public byte[] ToModel(string producer, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ProtoWriter();
        model.Int(IrVersionField, IrVersion);
        model.String(ProducerNameField, producer);
        model.String(ProducerVersionField, "1");
        _graph.String(GraphNameField, "decoder");
        model.Bytes(GraphField, _graph.ToArray());
        model.Message(OpsetImportField, o => o.Int(OpsetVersionField, Opset));
        model.Message(OpsetImportField, o =>
        {
            o.String(OpsetDomainField, Microsoft);
            o.Int(OpsetVersionField, 1);
        });
        foreach (var (key, value) in metadata) model.Message(MetadataPropsField, e => Entry(e, key, value));
        return model.ToArray();
    }

    private static void WriteAttribute(ProtoWriter a, OnnxAttribute attribute)
    {
        a.String(AttributeNameField, attribute.Name);
        switch (attribute.Value)
        {
            case long i:
                a.Int(AttributeIntField, i);
                a.Int(AttributeTypeField, IntAttribute);
                break;
            case float f:
                a.Float(AttributeFloatField, f);
                a.Int(AttributeTypeField, FloatAttribute);
                break;
            case string s:
                a.String(AttributeStringField, s);
                a.Int(AttributeTypeField, StringAttribute);
                break;
            case long[] ints:
                foreach (var i in ints) a.Int(AttributeIntsField, i);
                a.Int(AttributeTypeField, IntsAttribute);
                break;
            default:
                throw new ArgumentException($"attribute {attribute.Name}: {attribute.Value.GetType().Name} values are not supported");
        }
    }

    private static void WriteTensorHeader(ProtoWriter t, string name, OnnxType type, long[] dims)
    {
        foreach (var d in dims) t.Int(DimsField, d);
        t.Int(DataTypeField, (int)type);
        t.String(TensorNameField, name);
    }

    private static void WriteValueInfo(ProtoWriter v, string name, OnnxType type, object[] dims)
    {
        v.String(ValueNameField, name);
        v.Message(ValueTypeField, typeProto => typeProto.Message(TensorTypeField, tensor =>
        {
            tensor.Int(ElemTypeField, (int)type);
            tensor.Message(ShapeField, shape =>
            {
                foreach (var d in dims)
                {
                    shape.Message(DimField, dim =>
                    {
                        if (d is string symbol) dim.String(DimParamField, symbol);
                        else dim.Int(DimValueField, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
                    });
                }
            });
        }));
    }

    private static void Entry(ProtoWriter e, string key, string value)
    {
        e.String(KeyField, key);
        e.String(ValueField, value);
    }
}
