using System.Globalization;

namespace Reconciler.Sops;

/// <summary>Numbers as Go's strconv.FormatFloat(v, 'f', -1, 64) prints them, which is what sops hashes into the MAC.</summary>
internal static class GoNumber
{
    /// <summary>Shortest round-trip digits, never in exponent form.</summary>
    public static string Float(double value)
    {
        if (double.IsPositiveInfinity(value)) return "+Inf";
        if (double.IsNegativeInfinity(value)) return "-Inf";
        if (double.IsNaN(value)) return "NaN";
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOfAny(['E', 'e']);
        if (e < 0) return r;
        var exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        var mantissa = r[..e];
        var negative = mantissa.StartsWith('-');
        if (negative) mantissa = mantissa[1..];
        var dot = mantissa.IndexOf('.');
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        string text;
        if (point <= 0) text = "0." + new string('0', -point) + digits;
        else if (point >= digits.Length) text = digits + new string('0', point - digits.Length);
        else text = digits[..point] + "." + digits[point..];
        return negative ? "-" + text : text;
    }
}
