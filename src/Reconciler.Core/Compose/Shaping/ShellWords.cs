using System.Text;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// Splits a command string into words as compose does for <c>command: echo "a b"</c>
/// (POSIX shell quoting: single quotes literal, double quotes with backslash escapes, no expansion).
/// </summary>
public static class ShellWords
{
    public static bool TrySplit(string text, out List<string> words, out string? error)
    {
        words = [];
        error = null;
        var current = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                i++;
                continue;
            }
            inWord = true;
            switch (c)
            {
                case '\\':
                    if (i + 1 < text.Length) { current.Append(text[i + 1]); i += 2; }
                    else i++;
                    break;
                case '\'':
                {
                    var end = text.IndexOf('\'', i + 1);
                    if (end < 0) { error = "unterminated single-quoted string"; return false; }
                    current.Append(text, i + 1, end - i - 1);
                    i = end + 1;
                    break;
                }
                case '"':
                {
                    i++;
                    var closed = false;
                    while (i < text.Length)
                    {
                        var d = text[i];
                        if (d == '"') { closed = true; i++; break; }
                        if (d == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                        {
                            current.Append(text[i + 1]);
                            i += 2;
                            continue;
                        }
                        current.Append(d);
                        i++;
                    }
                    if (!closed) { error = "unterminated double-quoted string"; return false; }
                    break;
                }
                default:
                    current.Append(c);
                    i++;
                    break;
            }
        }
        if (inWord) words.Add(current.ToString());
        return true;
    }
}
