using System.Globalization;
using System.Text;

namespace Reconciler.Core.Compose.Environment;

/// <summary>
/// Go's <c>strconv.Quote</c> (what <c>%q</c> and <c>%#v</c> print for a string), so messages that
/// quote user text read exactly as compose's do.
/// </summary>
internal static class GoQuote
{
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (var i = 0; i < s.Length;)
        {
            int value;
            if (Rune.DecodeFromUtf16(s.AsSpan(i), out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
                value = rune.Value;
            else
                value = 0xFFFD; // a lone surrogate: Go would see invalid UTF-8; the replacement char is the nearest
            i += consumed == 0 ? 1 : consumed;
            AppendRune(sb, value);
        }
        sb.Append('"');
        return sb.ToString();
    }

    public static string Quote(Rune r)
    {
        var sb = new StringBuilder(8);
        sb.Append('"');
        AppendRune(sb, r.Value);
        sb.Append('"');
        return sb.ToString();
    }

    private static void AppendRune(StringBuilder sb, int r)
    {
        switch (r)
        {
            case '"': sb.Append("\\\""); return;
            case '\\': sb.Append("\\\\"); return;
            case '\a': sb.Append("\\a"); return;
            case '\b': sb.Append("\\b"); return;
            case '\f': sb.Append("\\f"); return;
            case '\n': sb.Append("\\n"); return;
            case '\r': sb.Append("\\r"); return;
            case '\t': sb.Append("\\t"); return;
            case '\v': sb.Append("\\v"); return;
        }
        if (IsPrint(r))
        {
            sb.Append(char.ConvertFromUtf32(r));
            return;
        }
        if (r < 0x80) sb.Append("\\x").Append(r.ToString("x2", CultureInfo.InvariantCulture));
        else if (r < 0x10000) sb.Append("\\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
        else sb.Append("\\U").Append(r.ToString("x8", CultureInfo.InvariantCulture));
    }

    /// <summary>Go's <c>unicode.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrint(int r)
    {
        if (r == ' ') return true;
        if (r < 0x20 || r == 0x7F) return false;
        if (r is >= 0xD800 and <= 0xDFFF) return false;
        switch (CharUnicodeInfo.GetUnicodeCategory(r))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
            case UnicodeCategory.ConnectorPunctuation:
            case UnicodeCategory.DashPunctuation:
            case UnicodeCategory.OpenPunctuation:
            case UnicodeCategory.ClosePunctuation:
            case UnicodeCategory.InitialQuotePunctuation:
            case UnicodeCategory.FinalQuotePunctuation:
            case UnicodeCategory.OtherPunctuation:
            case UnicodeCategory.MathSymbol:
            case UnicodeCategory.CurrencySymbol:
            case UnicodeCategory.ModifierSymbol:
            case UnicodeCategory.OtherSymbol:
                return true;
            default:
                return false;
        }
    }
}
