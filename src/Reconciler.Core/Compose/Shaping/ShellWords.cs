using System.Text;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// Splits <c>command: echo "a b"</c> into words with the rules of the shell-words parser compose
/// uses: quotes group, backslash escapes (<c>\t</c> and <c>\n</c> become tab and newline), backtick
/// and <c>$(…)</c> spans are kept whole and unexpanded, and an unquoted <c>; &amp; | &lt; &gt;</c> ends
/// the command — what follows is dropped, exactly as docker compose drops it.
/// </summary>
public static class ShellWords
{
    public static bool TrySplit(string line, out List<string> words, out string? error)
    {
        words = [];
        error = null;
        var buf = new StringBuilder();
        bool escaped = false, dq = false, sq = false, backQuote = false, dollarQuote = false, got = false;
        foreach (var ch in line)
        {
            var r = ch;
            if (escaped)
            {
                buf.Append(r switch { 't' => '\t', 'n' => '\n', _ => r });
                escaped = false;
                got = true;
                continue;
            }
            if (r == '\\')
            {
                if (sq) buf.Append(r);
                else escaped = true;
                continue;
            }
            if (r is ' ' or '\t' or '\r' or '\n')
            {
                if (sq || dq || backQuote || dollarQuote) buf.Append(r);
                else if (got)
                {
                    words.Add(buf.ToString());
                    buf.Clear();
                    got = false;
                }
                continue;
            }
            var stop = false;
            switch (r)
            {
                case '`':
                    if (!sq && !dq && !dollarQuote) backQuote = !backQuote;
                    break;
                case ')':
                    if (!sq && !dq && !backQuote)
                    {
                        if (!dollarQuote) { error = "invalid command line string: unmatched ')'"; return false; }
                        buf.Append(r);
                        dollarQuote = false;
                        got = true;
                        continue;
                    }
                    break;
                case '(':
                    if (!sq && !dq && !backQuote)
                    {
                        if (!dollarQuote && buf.Length > 0 && buf[^1] == '$')
                        {
                            dollarQuote = true;
                            buf.Append('(');
                            continue;
                        }
                        error = "invalid command line string: unexpected '('";
                        return false;
                    }
                    break;
                case '"':
                    if (!sq && !dollarQuote)
                    {
                        if (dq) got = true;
                        dq = !dq;
                        continue;
                    }
                    break;
                case '\'':
                    if (!dq && !dollarQuote)
                    {
                        if (sq) got = true;
                        sq = !sq;
                        continue;
                    }
                    break;
                case ';' or '&' or '|' or '<' or '>':
                    if (!(sq || dq || backQuote || dollarQuote))
                    {
                        // "2>x": a redirect's file-descriptor digit is not an argument either.
                        if (r == '>' && buf.Length > 0 && char.IsAsciiDigit(buf[0])) got = false;
                        stop = true;
                    }
                    break;
            }
            if (stop) break;
            got = true;
            buf.Append(r);
        }
        if (got) words.Add(buf.ToString());
        if (escaped || sq || dq || backQuote || dollarQuote)
        {
            words.Clear();
            error = "invalid command line string: unterminated quote or escape";
            return false;
        }
        return true;
    }
}
