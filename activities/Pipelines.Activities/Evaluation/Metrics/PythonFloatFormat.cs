using System.Globalization;
using System.Numerics;

namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// Python's <c>f"{value:.Nf}"</c>: the exact binary value rounded half to even. .NET's "F" format rounds halves away
/// from zero, which prints 6.25 as "6.3" where sacrebleu prints "6.2".
/// </summary>
internal static class PythonFloatFormat
{
    public static string Fixed(double value, int decimals)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";

        var bits = BitConverter.DoubleToInt64Bits(value);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (exponent == 0) exponent = 1;
        else mantissa |= 1L << 52;
        exponent -= 1075; // |value| = mantissa * 2^exponent, exactly

        var scale = BigInteger.Pow(10, decimals);
        BigInteger rounded;
        if (exponent >= 0)
        {
            rounded = mantissa * (BigInteger.One << exponent) * scale;
        }
        else
        {
            var denominator = BigInteger.One << -exponent;
            rounded = BigInteger.DivRem(mantissa * scale, denominator, out var remainder);
            var half = (remainder * 2).CompareTo(denominator);
            if (half > 0 || (half == 0 && !rounded.IsEven)) rounded += 1;
        }

        var digits = rounded.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var text = decimals == 0 ? digits : $"{digits[..^decimals]}.{digits[^decimals..]}";
        return negative ? "-" + text : text;
    }
}
