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
        if (IsTimestamp(text)) return ScalarKind.Timestamp;
        if (TryInt(text, out _) || TryBigInt(text, out _)) return ScalarKind.Int;
        if (IsFloat(text)) return ScalarKind.Float;
        return ScalarKind.String;
    }

    /// <summary>Go's strconv.ParseInt(s, 0, 64) after go-yaml drops underscores: 0x hex, 0o and leading-0 octal, 0b binary.</summary>
    public static bool TryInt(string text, out long value)
    {
        value = 0;
        var s = text.Replace("_", "", StringComparison.Ordinal);
        var negative = false;
        if (s.StartsWith('-') || s.StartsWith('+')) { negative = s[0] == '-'; s = s[1..]; }
        if (s.Length == 0) return false;
        bool ok;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) ok = long.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        else if (s.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) ok = TryBase(s[2..], 8, out value);
        else if (s.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) ok = TryBase(s[2..], 2, out value);
        else if (s.Length > 1 && s[0] == '0') ok = s.All(ch => ch is >= '0' and <= '7') && TryBase(s[1..], 8, out value);
        else ok = s.All(char.IsAsciiDigit) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (ok && negative) value = -value;
        return ok;
    }

    /// <summary>Integers past int64 that go-yaml still reads as unsigned (12345678901234567890).</summary>
    public static bool TryBigInt(string text, out ulong value)
    {
        value = 0;
        var s = text.Replace("_", "", StringComparison.Ordinal);
        return s.Length > 0 && (s[0] != '0' || s.Length == 1) && s.All(char.IsAsciiDigit) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>YAML timestamps go-yaml recognizes in plain scalars: 2024-01-15, 2024-01-15T10:00:00Z, 2024-01-15 10:00:00.</summary>
    private static readonly System.Text.RegularExpressions.Regex Timestamp = new(
        @"^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[ \t]*(Z|[-+]\d{1,2}(?::?\d{2})?))?)?$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static bool IsTimestamp(string s) => s.Length >= 8 && s[4] == '-' && Timestamp.IsMatch(s);

    /// <summary>How Go prints a time.Time with %v: <c>2024-01-15 00:00:00 +0000 UTC</c>.</summary>
    private static string FormatTimestamp(string s)
    {
        var m = Timestamp.Match(s);
        if (!m.Success) return s;
        int G(int i) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        var frac = m.Groups[7].Success ? "." + m.Groups[7].Value.TrimEnd('0') : "";
        if (frac == ".") frac = "";
        var zone = m.Groups[8].Success ? m.Groups[8].Value : "Z";
        string offset, name;
        if (zone is "Z" or "z") { offset = "+0000"; name = " UTC"; }
        else
        {
            var sign = zone[0];
            var digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
            if (digits.Length <= 2) digits = digits.PadLeft(2, '0') + "00";
            offset = sign + digits.PadLeft(4, '0');
            name = "";
        }
        return $"{G(1):D4}-{G(2):D2}-{G(3):D2} {G(4):D2}:{G(5):D2}:{G(6):D2}{frac} {offset}{name}";
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
        ScalarKind.Int when TryBigInt(node.Value, out var u) => u.ToString(CultureInfo.InvariantCulture),
        ScalarKind.Timestamp => FormatTimestamp(node.Value),
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
