using System.Collections.Immutable;
using System.Text;

namespace Reconciler.Core.Compose.Environment;

/// <summary>
/// Parses a <c>.env</c> / <c>env_file</c> file exactly as Docker Compose v2 does (compose-go's
/// <c>dotenv</c> parser, as shipped in docker compose 2.26). Never throws on any text: problems are
/// returned as diagnostics, and parsing stops at the first error, as compose's does (compose then
/// refuses the whole file; the entries before the error are still returned).
/// <list type="bullet">
/// <item>Blank lines and lines whose first non-blank character is <c>#</c> are skipped; a leading
/// UTF-8 byte order mark is ignored; CRLF line ends work.</item>
/// <item><c>KEY=VALUE</c> or <c>KEY: VALUE</c>, optionally after <c>export </c>; blanks around the key
/// and before the value are ignored. Keys may hold letters, digits (also first), <c>_ . - [ ]</c>;
/// a space inside a key, or any other character, is an error.</item>
/// <item>A line holding only <c>KEY</c> takes KEY's value from the lookup, and sets nothing when the
/// lookup has none (the entry is kept with a null value).</item>
/// <item>Unquoted values run to the end of the line; <c>" #"</c> (a space, then #) starts a comment;
/// trailing blanks are trimmed. No escapes. Variables are expanded.</item>
/// <item><c>'single'</c> values are literal (only <c>\'</c> is unescaped) and may span lines.</item>
/// <item><c>"double"</c> values may span lines; <c>\"</c>, <c>\\</c>, <c>\n \t \r \a \b \f \v</c>,
/// <c>\$</c> (a literal $) and octal <c>\0NNN</c> are unescaped, other escapes kept as written;
/// then variables are expanded.</item>
/// <item>Anything after a closing quote is read as the start of the next declaration (compose does;
/// a warning says so unless it is a comment).</item>
/// <item>Expansion is <see cref="Interpolator"/>'s: a name is looked up with the given lookup
/// first, then among the file's own earlier values (so the process environment wins).</item>
/// </list>
/// </summary>
public static class DotEnvParser
{
    /// <param name="text">The file's text.</param>
    /// <param name="fileName">Used in diagnostics only.</param>
    /// <param name="lookup">
    /// Variables from outside the file (for the project's env files: the process environment, then
    /// the env files read before this one). Returns null for an unset variable.
    /// </param>
    /// <param name="budget">
    /// When given, no variable may be longer than its per-value limit and expansion spends from it;
    /// past either limit parsing stops with an error (so lines that double each other stop early).
    /// </param>
    /// <remarks>
    /// Diagnostics never quote the file's text (env files hold passwords): they give the line and
    /// column and say what is wrong.
    /// </remarks>
    public static DotEnvResult Parse(string text, string fileName, Func<string, string?> lookup, ExpansionBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(lookup);
        var parser = new Parser(text, fileName, lookup, budget);
        parser.Run();
        return parser.Result();
    }

    private sealed class Parser(string text, string file, Func<string, string?> lookup, ExpansionBudget? budget)
    {
        // One warning per unset name and file: compose warns per use, but a line of a million
        // $UNSET would otherwise make a million diagnostics.
        private readonly HashSet<string> _warnedUnset = new(StringComparer.Ordinal);
        private readonly List<DotEnvEntry> _entries = [];
        private readonly Dictionary<string, int> _entryIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly List<EnvDiagnostic> _diagnostics = [];
        private int[]? _lineStarts;

        public DotEnvResult Result() => new(
            [.. _entries.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value))],
            [.. _entries],
            _values.ToImmutableDictionary(StringComparer.Ordinal),
            [.. _diagnostics]);

        public void Run()
        {
            var pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
            while (true)
            {
                pos = StatementStart(pos);
                if (pos < 0) return;
                if (!Statement(ref pos)) return;
            }
        }

        /// <summary>Skips blanks, line breaks and comment lines; -1 at the end of the text.</summary>
        private int StatementStart(int pos)
        {
            while (true)
            {
                while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
                if (pos >= text.Length) return -1;
                if (text[pos] != '#') return pos;
                var newline = text.IndexOf('\n', pos);
                if (newline < 0) return -1;
                pos = newline;
            }
        }

        /// <summary>One declaration from <paramref name="pos"/>; false after an error.</summary>
        private bool Statement(ref int pos)
        {
            var statementStart = pos;
            var keyStart = pos;
            if (StartsWithExport(pos))
            {
                keyStart = pos + "export".Length;
                while (keyStart < text.Length && IsBlank(text[keyStart])) keyStart++;
            }
            if (keyStart >= text.Length)
            {
                // `export ` as the file's last word.
                Error(statementStart, "zero length string");
                return false;
            }

            // The key runs to '=', ':' or a line break; blanks inside are skipped over here.
            var i = keyStart;
            var terminator = '\0';
            while (i < text.Length)
            {
                var c = text[i];
                if (IsBlank(c)) { i++; continue; }
                if (c is '=' or ':' or '\n') { terminator = c; break; }
                if (c is '_' or '.' or '-' or '[' or ']') { i++; continue; }
                var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
                if (status == System.Buffers.OperationStatus.Done && (Rune.IsLetter(rune) || Rune.IsNumber(rune)))
                {
                    i += consumed;
                    continue;
                }
                if (status != System.Buffers.OperationStatus.Done) rune = Rune.ReplacementChar;
                Error(i, $"unexpected character {GoQuote.Quote(rune)} in a variable name (names hold letters, digits, _ . - [ ])");
                return false;
            }

            var line = LineOf(keyStart);
            if (terminator == '\0')
            {
                // The file's last line is a bare `KEY` with no line break after it. compose-go then
                // finds no key at all and reads the whole line as the value of an empty-named variable.
                var rest = text[keyStart..].TrimEnd();
                Warning(keyStart,
                    "a name alone on the last line without a line break after it is read by compose as the value of a variable with an empty name, not as a variable to inherit; end the file with a line break");
                Set("", rest, line);
                pos = text.Length;
                return true;
            }

            var key = text[keyStart..i].TrimEnd();
            if (key.Contains(' '))
            {
                Error(keyStart, "key cannot contain a space");
                return false;
            }

            if (terminator == '\n')
            {
                pos = i + 1;
                if (key.Length == 0)
                {
                    // `export` alone on a line: compose looks up an empty name and finds nothing.
                    Warning(statementStart, "'export' without a variable name is ignored");
                    return true;
                }
                var inherited = lookup(key);
                if (inherited is not null) Set(key, inherited, line);
                else if (!_entryIndex.ContainsKey(key)) Add(new DotEnvEntry(key, null, line));
                return true;
            }

            if (key.Length == 0)
                Warning(statementStart, "variable name is empty (docker compose rejects this in the project's .env file)");

            var valueStart = i + 1;
            while (valueStart < text.Length && IsBlank(text[valueStart])) valueStart++;
            if (!Value(valueStart, out var value, out pos)) return false;
            if (budget is not null && value.Length > budget.MaxValueLength)
            {
                Error(valueStart, $"the value of {GoQuote.Quote(Excerpt.Of(key))} is longer than {Loading.LoadBudget.Size(budget.MaxValueLength)} ({Loading.LoadBudget.Setting("max_value_size")})");
                return false;
            }
            Set(key, value, line);
            return true;
        }

        private bool Value(int start, out string value, out int next)
        {
            value = "";
            if (start >= text.Length || text[start] is not ('"' or '\''))
            {
                var newline = text.IndexOf('\n', start);
                var lineEnd = newline < 0 ? text.Length : newline;
                next = newline < 0 ? text.Length : newline + 1;
                var raw = text[start..lineEnd];
                var comment = raw.IndexOf(" #", StringComparison.Ordinal);
                if (comment >= 0) raw = raw[..comment];
                raw = raw.TrimEnd();
                return Expand(raw, start, out value);
            }

            var quote = text[start];
            var sb = new StringBuilder();
            var escaped = false;
            for (var k = start + 1; k < text.Length; k++)
            {
                var c = text[k];
                if (c != quote)
                {
                    if (!escaped && c == '\\')
                    {
                        escaped = true;
                        continue;
                    }
                    if (escaped)
                    {
                        escaped = false;
                        sb.Append('\\');
                    }
                    sb.Append(c);
                    continue;
                }
                if (escaped)
                {
                    // \" or \' (whichever is the quote) is the quote itself.
                    escaped = false;
                    sb.Append(c);
                    continue;
                }

                next = k + 1;
                WarnAboutTextAfterQuote(next);
                if (quote == '\'')
                {
                    value = sb.ToString();
                    return true;
                }
                return Expand(UnescapeDoubleQuoted(sb.ToString()), start, out value);
            }

            Error(start, $"unterminated quoted value: the {(quote == '"' ? "double" : "single")} quote opened here is never closed");
            next = text.Length;
            return false;
        }

        private void WarnAboutTextAfterQuote(int from)
        {
            var k = from;
            while (k < text.Length && IsBlank(text[k])) k++;
            if (k < text.Length && text[k] != '\n' && text[k] != '#')
                Warning(k, "text after the closing quote is read by compose as the start of another declaration");
        }

        /// <summary>Expands variables as compose does: the outside lookup first, then the file's own earlier values.</summary>
        private bool Expand(string raw, int at, out string value)
        {
            var result = Interpolator.Interpolate(raw, k => lookup(k) ?? (_values.TryGetValue(k, out var v) ? v : null), budget);
            foreach (var name in result.Warnings)
                if (_warnedUnset.Add(name))
                    Warning(at, Interpolator.UnsetVariableMessage(name));
            if (result.ErrorDetail is { } error)
            {
                Error(at, error.MessageWithoutContents);
                value = raw;
                return false;
            }
            value = result.Value;
            return true;
        }

        private void Set(string key, string value, int line)
        {
            _values[key] = value;
            var entry = new DotEnvEntry(key, value, line);
            if (_entryIndex.TryGetValue(key, out var index)) _entries[index] = entry;
            else Add(entry);
        }

        private void Add(DotEnvEntry entry)
        {
            _entryIndex[entry.Key] = _entries.Count;
            _entries.Add(entry);
        }

        private bool StartsWithExport(int pos) =>
            string.CompareOrdinal(text, pos, "export", 0, 6) == 0
            && pos + 6 < text.Length
            && text[pos + 6] is ' ' or '\t' or '\n' or '\f' or '\r'; // Go regexp's \s

        private void Error(int at, string message) => Report(EnvDiagnosticSeverity.Error, at, message);
        private void Warning(int at, string message) => Report(EnvDiagnosticSeverity.Warning, at, message);

        private void Report(EnvDiagnosticSeverity severity, int at, string message)
        {
            var line = LineOf(at);
            var column = at - _lineStarts![line - 1] + 1;
            _diagnostics.Add(new EnvDiagnostic(severity, file, line, column, message));
        }

        private int LineOf(int at)
        {
            _lineStarts ??= ComputeLineStarts();
            var index = Array.BinarySearch(_lineStarts, at);
            return index >= 0 ? index + 1 : ~index;
        }

        private int[] ComputeLineStarts()
        {
            var starts = new List<int> { 0 };
            for (var k = text.IndexOf('\n'); k >= 0; k = text.IndexOf('\n', k + 1)) starts.Add(k + 1);
            return [.. starts];
        }
    }

    /// <summary>compose-go's <c>isSpace</c>: blanks that are not line breaks.</summary>
    private static bool IsBlank(char c) => c is '\t' or '\v' or '\f' or '\r' or ' ' or '\u0085' or '\u00A0';

    /// <summary>
    /// compose's escapes for double-quoted values, applied after the quote scan kept each
    /// backslash: <c>\a \b \f \n \r \t \v \" \\</c>, <c>\$</c> → <c>$$</c> (a literal $ once
    /// expanded), <c>\0</c> + up to three digits as an octal byte when valid (else the <c>0</c> is
    /// dropped), and <c>\c</c> kept; anything else is kept as written.
    /// </summary>
    internal static string UnescapeDoubleQuoted(string s)
    {
        var first = s.IndexOf('\\');
        if (first < 0) return s;
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, first);
        var i = first;
        while (i < s.Length)
        {
            var c = s[i];
            if (c != '\\' || i + 1 >= s.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }
            var e = s[i + 1];
            switch (e)
            {
                case 'a': sb.Append('\a'); i += 2; continue;
                case 'b': sb.Append('\b'); i += 2; continue;
                case 'f': sb.Append('\f'); i += 2; continue;
                case 'n': sb.Append('\n'); i += 2; continue;
                case 'r': sb.Append('\r'); i += 2; continue;
                case 't': sb.Append('\t'); i += 2; continue;
                case 'v': sb.Append('\v'); i += 2; continue;
                case '"': sb.Append('"'); i += 2; continue;
                case '\\': sb.Append('\\'); i += 2; continue;
                case '$': sb.Append("$$"); i += 2; continue;
                case 'c': sb.Append("\\c"); i += 2; continue;
                case '0':
                {
                    var k = i + 2;
                    while (k < s.Length && k < i + 5 && char.IsAsciiDigit(s[k])) k++;
                    var digits = s.AsSpan(i + 2, k - i - 2);
                    if (digits.Length == 3 && IsOctal(digits[0]) && IsOctal(digits[1]) && IsOctal(digits[2]))
                    {
                        var v = (digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0');
                        if (v <= 255)
                        {
                            sb.Append((char)v);
                            i = k;
                            continue;
                        }
                    }
                    sb.Append('\\').Append(digits);
                    i = k;
                    continue;
                }
                default:
                    sb.Append('\\');
                    i++;
                    continue;
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}

/// <summary>
/// One variable of an env file: its final value and the line that set it. A null
/// <see cref="Value"/> is a bare <c>KEY</c> line whose lookup found nothing (compose sets nothing).
/// </summary>
public sealed record DotEnvEntry(string Key, string? Value, int Line);

/// <summary>
/// The outcome of <see cref="DotEnvParser.Parse"/>. <see cref="Entries"/>: each variable once, in the
/// order first declared, with its last value (null: a bare <c>KEY</c> line the lookup could not
/// resolve, which compose leaves unset). <see cref="Declarations"/>: the same with line numbers.
/// <see cref="Variables"/>: what compose's parser returns (the entries with a value).
/// </summary>
public sealed record DotEnvResult(
    ImmutableArray<KeyValuePair<string, string?>> Entries,
    ImmutableArray<DotEnvEntry> Declarations,
    ImmutableDictionary<string, string> Variables,
    ImmutableArray<EnvDiagnostic> Diagnostics)
{
    /// <summary>compose refuses a file with any error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
