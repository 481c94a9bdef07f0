using System.Globalization;
using System.Text;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>Go's time.ParseDuration and Duration.String, the forms compose reads and prints.</summary>
public static class GoDuration
{
    public static bool TryParse(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        var s = text.Trim();
        if (s.Length == 0) return false;
        var negative = false;
        if (s[0] is '-' or '+') { negative = s[0] == '-'; s = s[1..]; }
        if (s == "0") return true;
        if (s.Length == 0) return false;
        decimal total = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start) return false;
            if (!decimal.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
            var ustart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.') i++;
            decimal unit = s[ustart..i] switch
            {
                "ns" => 1m, "us" or "µs" or "μs" => 1_000m, "ms" => 1_000_000m,
                "s" => 1_000_000_000m, "m" => 60_000_000_000m, "h" => 3_600_000_000_000m,
                _ => -1m,
            };
            if (unit < 0) return false;
            total += n * unit;
            if (total > long.MaxValue) return false;
        }
        nanoseconds = (long)(negative ? -total : total);
        return true;
    }

    public static string Format(long ns)
    {
        if (ns == 0) return "0s";
        var sb = new StringBuilder();
        var neg = ns < 0;
        var u = (ulong)(neg ? -ns : ns);
        if (u < 1_000_000_000UL)
        {
            // Sub-second: Go picks ns, µs or ms with a fraction.
            string unit; ulong div;
            if (u < 1_000UL) { unit = "ns"; div = 1; }
            else if (u < 1_000_000UL) { unit = "µs"; div = 1_000; }
            else { unit = "ms"; div = 1_000_000; }
            return (neg ? "-" : "") + Fraction(u, div) + unit;
        }
        var hours = u / 3_600_000_000_000UL;
        u -= hours * 3_600_000_000_000UL;
        var minutes = u / 60_000_000_000UL;
        u -= minutes * 60_000_000_000UL;
        if (neg) sb.Append('-');
        if (hours > 0) sb.Append(hours).Append('h');
        if (hours > 0 || minutes > 0) sb.Append(minutes).Append('m');
        sb.Append(Fraction(u, 1_000_000_000UL)).Append('s');
        return sb.ToString();
    }

    private static string Fraction(ulong value, ulong div)
    {
        var whole = value / div;
        var frac = value % div;
        if (frac == 0) return whole.ToString(CultureInfo.InvariantCulture);
        var digits = div.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole.ToString(CultureInfo.InvariantCulture) + "." + frac.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
