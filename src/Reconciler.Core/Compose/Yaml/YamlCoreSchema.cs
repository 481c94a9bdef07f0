using System.Globalization;

namespace Reconciler.Core.Compose.Yaml;

/// <summary>
/// How go-yaml v3 (what compose uses) types a plain scalar decoded into an untyped value:
/// the YAML 1.2 core schema. YAML 1.1 words like <c>yes</c>/<c>on</c> stay strings there.
/// </summary>
internal static class YamlCoreSchema
{
    public static ScalarKind Resolve(string text)
    {
        if (text.Length == 0) return ScalarKind.Null;
        switch (text)
        {
            case "~" or "null" or "Null" or "NULL": return ScalarKind.Null;
            case "true" or "True" or "TRUE" or "false" or "False" or "FALSE": return ScalarKind.Bool;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF"
                or ".nan" or ".NaN" or ".NAN": return ScalarKind.Float;
        }
        var c = text[0];
        if (!(char.IsAsciiDigit(c) || c is '-' or '+' or '.')) return ScalarKind.String;
        if (TryInt(text, out _)) return ScalarKind.Int;
        if (IsFloat(text)) return ScalarKind.Float;
        return ScalarKind.String;
    }

    public static bool TryInt(string text, out long value)
    {
        value = 0;
        var s = text.Replace("_", "", StringComparison.Ordinal);
        var negative = false;
        if (s.StartsWith('-') || s.StartsWith('+')) { negative = s[0] == '-'; s = s[1..]; }
        if (s.Length == 0) return false;
        bool ok;
        if (s.StartsWith("0x", StringComparison.Ordinal)) ok = long.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        else if (s.StartsWith("0o", StringComparison.Ordinal)) ok = TryBase(s[2..], 8, out value);
        else if (s.StartsWith("0b", StringComparison.Ordinal)) ok = TryBase(s[2..], 2, out value);
        else ok = s.All(char.IsAsciiDigit) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (ok && negative) value = -value;
        return ok;
    }

    private static bool TryBase(string digits, int radix, out long value)
    {
        value = 0;
        if (digits.Length == 0) return false;
        try { value = Convert.ToInt64(digits, radix); return true; }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException) { return false; }
    }

    private static bool IsFloat(string s)
    {
        // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        var i = 0;
        if (i < s.Length && s[i] is '-' or '+') i++;
        var digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '-' or '+') i++;
            var exp = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exp++; }
            if (exp == 0) return false;
        }
        return i == s.Length;
    }

    /// <summary>The text Go's weak string conversion gives a typed scalar (1.0 → "1", 0x10 → "16").</summary>
    public static string AsGoString(ScalarNode node) => node.Kind switch
    {
        ScalarKind.Int when TryInt(node.Value, out var l) => l.ToString(CultureInfo.InvariantCulture),
        ScalarKind.Float when double.TryParse(node.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            => FormatFloat(d),
        ScalarKind.Bool => node.Value.ToLowerInvariant(),
        ScalarKind.Null => "",
        _ => node.Value,
    };

    public static string FormatFloat(double d) =>
        double.IsPositiveInfinity(d) ? "+Inf" : double.IsNegativeInfinity(d) ? "-Inf" : double.IsNaN(d) ? "NaN"
        : d.ToString("0.###############", CultureInfo.InvariantCulture);
}
