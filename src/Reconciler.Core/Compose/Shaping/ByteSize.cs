using System.Globalization;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// Byte sizes as compose reads them (docker/go-units RAMInBytes): binary units, case-insensitive,
/// optional "b"/"ib" suffix, decimals allowed (<c>1.5g</c>).
/// </summary>
public static class ByteSize
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        if (s.Length == 0) return false;
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.' || (i == 0 && s[i] is '-' or '+'))) i++;
        if (!decimal.TryParse(s[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
        var unit = s[i..].Trim().ToLowerInvariant();
        decimal mult = unit switch
        {
            "" or "b" => 1m,
            "k" or "kb" or "kib" => 1024m,
            "m" or "mb" or "mib" => 1024m * 1024,
            "g" or "gb" or "gib" => 1024m * 1024 * 1024,
            "t" or "tb" or "tib" => 1024m * 1024 * 1024 * 1024,
            "p" or "pb" or "pib" => 1024m * 1024 * 1024 * 1024 * 1024,
            _ => -1m,
        };
        if (mult < 0) return false;
        var total = n * mult;
        if (total > long.MaxValue || total < long.MinValue) return false;
        bytes = (long)total;
        return true;
    }
}
