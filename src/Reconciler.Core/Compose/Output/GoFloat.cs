using System.Globalization;
using System.Text;

namespace Reconciler.Core.Compose.Output;

/// <summary>Go's <c>strconv.FormatFloat(f, 'g', -1, 64)</c>, which go-yaml uses for floats: shortest digits, exponent form below 1e-4 and from 1e6.</summary>
internal static class GoFloat
{
    public static string FormatG(double d)
    {
        if (double.IsPositiveInfinity(d)) return ".inf";
        if (double.IsNegativeInfinity(d)) return "-.inf";
        if (double.IsNaN(d)) return ".nan";
        if (d == 0) return double.IsNegative(d) ? "-0" : "0";
        // .NET's "R" is the shortest text that reads back to d, as Go's shortest formatting is.
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative) r = r[1..];
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var point = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = point < 0 ? r : r[..point];
        var digits = (intPart + (point < 0 ? "" : r[(point + 1)..])).TrimStart('0');
        // dp: where the decimal point goes in 0.<digits>.
        var leadingZeros = (intPart + (point < 0 ? "" : r[(point + 1)..])).Length - digits.Length;
        var dp = intPart.TrimStart('0').Length > 0 ? intPart.TrimStart('0').Length + exponent : exponent - (leadingZeros - intPart.Length);
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return "0";

        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        var x = dp - 1;
        if (x < -4 || x >= 6)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(x < 0 ? '-' : '+');
            var abs = Math.Abs(x);
            sb.Append(abs < 10 ? "0" + abs.ToString(CultureInfo.InvariantCulture) : abs.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (dp <= 0) sb.Append("0.").Append('0', -dp).Append(digits);
        else if (dp >= digits.Length) sb.Append(digits).Append('0', dp - digits.Length);
        else sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
        return sb.ToString();
    }
}
