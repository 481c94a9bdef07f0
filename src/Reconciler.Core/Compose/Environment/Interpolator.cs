using System.Text;

namespace Reconciler.Core.Compose.Environment;

/// <summary>
/// Substitutes variables in one scalar value exactly as Docker Compose v2 does (compose-go's
/// <c>template</c> package, as shipped in docker compose 2.26):
/// <list type="bullet">
/// <item><c>$$</c> is a literal <c>$</c>; <c>$NAME</c> and <c>${NAME}</c> substitute (an unset variable
/// becomes empty and is reported in <see cref="InterpolationResult.Warnings"/>).</item>
/// <item><c>${NAME:-d}</c> (unset or empty → d), <c>${NAME-d}</c> (unset → d), <c>${NAME:+a}</c> (set and
/// non-empty → a, else empty), <c>${NAME+a}</c> (set → a), <c>${NAME:?msg}</c> (unset or empty → error),
/// <c>${NAME?msg}</c> (unset → error). The argument is itself interpolated, so templates nest.</item>
/// <item>Names are <c>[A-Za-z_][A-Za-z0-9_]*</c>. A <c>$</c> followed by anything else but <c>{</c>
/// (<c>$1</c>, <c>$-</c>, a trailing <c>$</c>) is kept as is; <c>${</c> not starting a valid template is an
/// error (<c>Invalid template: "…"</c>).</item>
/// </list>
/// compose's quirks are kept on purpose, so results match <c>docker compose config</c>:
/// the argument of an operator runs to the last <c>}</c> on the line, then is cut at the first
/// balanced <c>}</c> (counting braces, but never the character right after a <c>{</c>), and
/// whatever follows is interpolated as a separate template; the argument is interpolated even when
/// it is not used (so it can warn, or fail with an error, while the variable is set); a template
/// never spans a line break.
/// </summary>
public static class Interpolator
{
    /// <summary>Deeper nesting of operator arguments is reported as an error instead of exhausting the stack.</summary>
    public const int MaxNestingDepth = 200;

    /// <summary>The warning compose prints for a variable that is used but not set.</summary>
    public static string UnsetVariableMessage(string name) =>
        $"The {GoQuote.Quote(name)} variable is not set. Defaulting to a blank string.";

    /// <summary>
    /// Interpolates <paramref name="value"/>. <paramref name="lookup"/> returns a variable's value,
    /// or null when the variable is not set (an empty string is set). A value without <c>$</c> is
    /// returned as is, without allocating.
    /// </summary>
    /// <param name="budget">
    /// When given, the value may not produce more than the budget allows (per value and what is
    /// left of the total); the characters produced are spent from it. Past it the result is an
    /// error of kind <see cref="InterpolationErrorKind.ValueTooLong"/> or
    /// <see cref="InterpolationErrorKind.ExpansionTooLarge"/>, found without building the value.
    /// </param>
    public static InterpolationResult Interpolate(string value, Func<string, string?> lookup, ExpansionBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(lookup);
        var first = value.IndexOf('$');
        if (first < 0) return new InterpolationResult(value, [], null);

        var (allowance, totalBinds) = budget?.Next() ?? (long.MaxValue, false);
        var state = new State(value, lookup, allowance);
        var sb = new StringBuilder((int)Math.Min(value.Length + 16L, Math.Max(allowance, 16)));
        sb.Append(value, 0, first);
        var error = state.Substitute(first, value.Length, 0, sb, depth: 0);
        budget?.Spend(Math.Min(state.Produced(sb), allowance + 1));
        if (state.Overflowed)
        {
            error = totalBinds
                ? InterpolationError.ExpansionTooLarge(budget!.MaxTotalLength)
                : InterpolationError.ValueTooLong(budget!.MaxValueLength);
        }
        IReadOnlyList<string> warnings = state.Warnings is null ? [] : state.Warnings;
        return error is null
            ? new InterpolationResult(sb.ToString(), warnings, null)
            : new InterpolationResult(value, warnings, error);
    }

    private static bool IsNameStart(char c) =>
        char.IsAsciiLetter(c) || c == '_' ||
        // Go's case-insensitive [a-z] also folds these two onto k and s.
        c == '\u212A' || c == '\u017F';

    private static bool IsNameChar(char c) => IsNameStart(c) || char.IsAsciiDigit(c);

    private static bool IsOperator(char c) => c is '-' or '+' or '?';

    private sealed class State(string text, Func<string, string?> lookup, long allowance)
    {
        public List<string>? Warnings;

        /// <summary>Set once the value produced more than its allowance; every level then stops.</summary>
        public bool Overflowed;

        // Characters appended and later dropped (an unused operator argument): work done all the same.
        private long _dropped;

        public long Produced(StringBuilder sb) => sb.Length + _dropped;

        private bool OverAllowance(StringBuilder sb)
        {
            if (sb.Length + _dropped > allowance) Overflowed = true;
            return Overflowed;
        }

        // The scans for "the last } on the line" would otherwise rescan the rest of the line for every
        // template, which made a line of n templates cost n² (500,000 ${A:-b} took minutes).
        private int _newlineFrom = -1, _newlineAt;
        private int _braceStop = -1, _braceSearchedTo, _braceAt;

        /// <summary>
        /// Interpolates text[scanFrom..end) into <paramref name="sb"/> (text[templateStart..scanFrom)
        /// has no <c>$</c> and was appended already). Returns the first error; like compose, keeps
        /// scanning after one so every unset variable still warns.
        /// </summary>
        public InterpolationError? Substitute(int scanFrom, int end, int templateStart, StringBuilder sb, int depth)
        {
            InterpolationError? firstError = null;
            // compose interpolates what follows an operator template's closing brace as a template of
            // its own; those nest (each ends where the enclosing match ended), so a stack of ranges
            // replaces compose's recursion and a long line of ${A:-x}${B:-y}… needs no deep stack.
            Stack<(int Start, int End)>? enclosing = null;
            var curStart = templateStart;
            var curEnd = end;
            var i = scanFrom;
            while (true)
            {
                if (OverAllowance(sb)) return firstError;
                while (i >= curEnd && enclosing is { Count: > 0 })
                    (curStart, curEnd) = enclosing.Pop();
                if (i >= curEnd) break;

                var dollar = text.IndexOf('$', i, curEnd - i);
                if (dollar < 0)
                {
                    sb.Append(text, i, curEnd - i);
                    i = curEnd;
                    continue;
                }
                sb.Append(text, i, dollar - i);
                if (dollar + 1 >= curEnd)
                {
                    sb.Append('$');
                    i = dollar + 1;
                    continue;
                }

                var c = text[dollar + 1];
                if (c == '$')
                {
                    sb.Append('$');
                    i = dollar + 2;
                    continue;
                }
                if (IsNameStart(c))
                {
                    var k = dollar + 2;
                    while (k < curEnd && IsNameChar(text[k])) k++;
                    AppendVariable(text.Substring(dollar + 1, k - dollar - 1), sb);
                    i = k;
                    continue;
                }
                if (c != '{')
                {
                    sb.Append('$');
                    i = dollar + 1;
                    continue;
                }

                // ${ … : a braced template or an invalid one.
                var nameStart = dollar + 2;
                if (nameStart < curEnd && IsNameStart(text[nameStart]))
                {
                    var nameEnd = nameStart + 1;
                    while (nameEnd < curEnd && IsNameChar(text[nameEnd])) nameEnd++;
                    if (nameEnd < curEnd)
                    {
                        var opLen = text[nameEnd] == ':' && nameEnd + 1 < curEnd && IsOperator(text[nameEnd + 1]) ? 2
                            : IsOperator(text[nameEnd]) ? 1 : 0;
                        if (opLen > 0)
                        {
                            var last = LastClosingBraceOnLine(nameEnd + opLen, curEnd);
                            if (last >= 0)
                            {
                                var error = ApplyOperator(dollar, nameStart, nameEnd, opLen, last, sb, depth, out var restStart);
                                if (Overflowed) return firstError ?? error;
                                if (error is not null)
                                {
                                    firstError ??= error;
                                    i = last + 1;
                                    continue;
                                }
                                if (restStart <= last)
                                {
                                    enclosing ??= new Stack<(int, int)>();
                                    enclosing.Push((curStart, curEnd));
                                    (curStart, curEnd) = (restStart, last + 1);
                                }
                                i = restStart;
                                continue;
                            }
                        }
                        else if (text[nameEnd] == '}')
                        {
                            AppendVariable(text.Substring(nameStart, nameEnd - nameStart), sb);
                            i = nameEnd + 1;
                            continue;
                        }
                    }
                }

                firstError ??= InterpolationError.InvalidTemplate(text.Substring(curStart, curEnd - curStart));
                i = dollar + 2;
            }
            return firstError;
        }

        private void AppendVariable(string name, StringBuilder sb)
        {
            var value = lookup(name);
            if (value is null) (Warnings ??= []).Add(name);
            else sb.Append(value);
        }

        /// <summary>
        /// Handles <c>${NAME op ARG}</c> matched from <paramref name="dollar"/> to the line's last
        /// closing brace <paramref name="last"/>; returns where the trailing template starts
        /// (past <paramref name="last"/> when there is none).
        /// </summary>
        private InterpolationError? ApplyOperator(int dollar, int nameStart, int nameEnd, int opLen, int last,
            StringBuilder sb, int depth, out int restStart)
        {
            var closing = FirstBalancedClosingBrace(dollar, last + 1);
            var argEnd = closing >= 0 ? closing : last;
            restStart = closing >= 0 ? closing + 1 : last + 1;
            var argStart = nameEnd + opLen;
            var name = text.Substring(nameStart, nameEnd - nameStart);
            var colon = opLen == 2;
            var op = text[nameEnd + opLen - 1];

            // compose interpolates the argument first, whether or not it is used.
            var mark = sb.Length;
            InterpolationError? argError;
            if (depth >= MaxNestingDepth)
                argError = InterpolationError.TooDeep(text.Substring(argStart, argEnd - argStart));
            else
            {
                var argScan = text.IndexOf('$', argStart, argEnd - argStart);
                if (argScan < 0)
                {
                    sb.Append(text, argStart, argEnd - argStart);
                    argError = null;
                }
                else
                {
                    sb.Append(text, argStart, argScan - argStart);
                    argError = Substitute(argScan, argEnd, argStart, sb, depth + 1);
                }
            }
            if (argError is not null || Overflowed)
            {
                Drop(sb, mark);
                return argError;
            }

            var value = lookup(name);
            var present = value is not null && (!colon || value.Length > 0);
            switch (op)
            {
                case '-':
                    if (present) Replace(sb, mark, value!);
                    return null;
                case '+':
                    if (!present) Replace(sb, mark, value ?? "");
                    return null;
                default: // '?'
                    if (present)
                    {
                        Replace(sb, mark, value!);
                        return null;
                    }
                    var reason = sb.ToString(mark, sb.Length - mark);
                    Drop(sb, mark);
                    return InterpolationError.MissingRequired(name, reason);
            }
        }

        private void Replace(StringBuilder sb, int mark, string value)
        {
            Drop(sb, mark);
            sb.Append(value);
        }

        private void Drop(StringBuilder sb, int mark)
        {
            _dropped += sb.Length - mark;
            sb.Length = mark;
        }

        /// <summary>The last <c>}</c> in [from, end) before any line break, or -1 (the regex's greedy <c>.*}</c>).</summary>
        private int LastClosingBraceOnLine(int from, int end)
        {
            // The next line break after from: remembered, since from only moves forward along a line.
            if (_newlineFrom < 0 || from < _newlineFrom || (_newlineAt >= 0 && from > _newlineAt))
            {
                _newlineFrom = from;
                _newlineAt = text.IndexOf('\n', from);
            }
            var stop = _newlineAt < 0 || _newlineAt > end ? end : _newlineAt;
            if (stop <= from) return -1;
            // Inside a template's tail the range ends just past its brace: no scan needed.
            if (text[stop - 1] == '}') return stop - 1;
            // Otherwise scan back once per stop, remembering how far down the scan went.
            if (stop != _braceStop)
            {
                _braceStop = stop;
                _braceSearchedTo = stop;
                _braceAt = -1;
            }
            if (_braceAt >= 0) return _braceAt >= from ? _braceAt : -1;
            for (var k = _braceSearchedTo - 1; k >= from; k--)
            {
                if (text[k] == '}')
                {
                    _braceAt = k;
                    return k;
                }
            }
            _braceSearchedTo = Math.Min(_braceSearchedTo, from);
            return -1;
        }

        /// <summary>compose's getFirstBraceClosingIndex over text[from..end), including its skip of the character after each <c>{</c>.</summary>
        private int FirstBalancedClosingBrace(int from, int end)
        {
            var open = 0;
            for (var k = from; k < end; k++)
            {
                var ch = text[k];
                if (ch == '}')
                {
                    open--;
                    if (open == 0) return k;
                }
                if (ch == '{')
                {
                    open++;
                    k++;
                }
            }
            return -1;
        }
    }
}

/// <summary>
/// The outcome of <see cref="Interpolator.Interpolate"/>. On error <see cref="Value"/> is the input,
/// unchanged. <see cref="Warnings"/> lists the names of unset variables in order of use (a name
/// repeats when used repeatedly; compose prints one warning per use).
/// </summary>
public readonly struct InterpolationResult(string value, IReadOnlyList<string> warnings, InterpolationError? error)
{
    public string Value { get; } = value;
    public IReadOnlyList<string> Warnings { get; } = warnings;
    public InterpolationError? ErrorDetail { get; } = error;
    /// <summary>compose's message: <c>Invalid template: "…"</c> or <c>required variable X is missing a value: …</c>.</summary>
    public string? Error => ErrorDetail?.Message;
    public bool Success => ErrorDetail is null;
}

public enum InterpolationErrorKind
{
    /// <summary><c>${</c> not followed by a valid template.</summary>
    InvalidTemplate,
    /// <summary><c>${X:?msg}</c> / <c>${X?msg}</c> with X missing.</summary>
    MissingRequired,
    /// <summary>Operator arguments nested deeper than <see cref="Interpolator.MaxNestingDepth"/> (compose has no limit).</summary>
    NestingTooDeep,
    /// <summary>The value would be longer than the budget's per-value limit (<c>limits.max_value_size</c>).</summary>
    ValueTooLong,
    /// <summary>The load's interpolations together would pass the budget's total (<c>limits.max_expanded_size</c>).</summary>
    ExpansionTooLarge,
}

public sealed record InterpolationError
{
    private InterpolationError(InterpolationErrorKind kind, string message)
    {
        Kind = kind;
        Message = message;
    }

    public InterpolationErrorKind Kind { get; }
    public string Message { get; }
    /// <summary>For <see cref="InterpolationErrorKind.InvalidTemplate"/>: the template compose names (the innermost one holding the error).</summary>
    public string? Template { get; private init; }
    /// <summary>For <see cref="InterpolationErrorKind.MissingRequired"/>: the variable.</summary>
    public string? Variable { get; private init; }
    /// <summary>For <see cref="InterpolationErrorKind.MissingRequired"/>: the user's message, interpolated (may be empty).</summary>
    public string? Reason { get; private init; }

    internal static InterpolationError InvalidTemplate(string template) =>
        new(InterpolationErrorKind.InvalidTemplate, $"Invalid template: {GoQuote.Quote(Excerpt.Of(template))}") { Template = template };

    internal static InterpolationError MissingRequired(string variable, string reason) =>
        new(InterpolationErrorKind.MissingRequired,
            reason.Length > 0 ? $"required variable {Excerpt.Of(variable)} is missing a value: {Excerpt.Of(reason)}" : $"required variable {Excerpt.Of(variable)} is missing a value")
        { Variable = variable, Reason = reason };

    internal static InterpolationError TooDeep(string template) =>
        new(InterpolationErrorKind.NestingTooDeep, $"Invalid template: nested deeper than {Interpolator.MaxNestingDepth} levels: {GoQuote.Quote(Excerpt.Of(template))}")
        { Template = template };

    internal static InterpolationError ValueTooLong(long limit) =>
        new(InterpolationErrorKind.ValueTooLong,
            $"the value is longer than {Loading.LoadBudget.Size(limit)} after interpolation ({Loading.LoadBudget.Setting("max_value_size")})");

    internal static InterpolationError ExpansionTooLarge(long limit) =>
        new(InterpolationErrorKind.ExpansionTooLarge,
            $"interpolation produced more than {Loading.LoadBudget.Size(limit)} in this project ({Loading.LoadBudget.Setting("max_expanded_size")})");

    /// <summary>A budget error: the load stops there instead of reporting every later value.</summary>
    public bool IsLimit => Kind is InterpolationErrorKind.ValueTooLong or InterpolationErrorKind.ExpansionTooLarge;

    /// <summary>
    /// The message without any text of the value, for values read from env files (which may hold
    /// secrets): what is wrong, not what was written.
    /// </summary>
    public string MessageWithoutContents => Kind switch
    {
        InterpolationErrorKind.InvalidTemplate => "Invalid template: a ${ that does not start a valid ${NAME…} (write $$ for a literal $)",
        InterpolationErrorKind.MissingRequired => $"required variable {Excerpt.Of(Variable!)} is missing a value",
        InterpolationErrorKind.NestingTooDeep => $"Invalid template: nested deeper than {Interpolator.MaxNestingDepth} levels",
        _ => Message,
    };

    /// <summary>
    /// The message docker compose prints for a value at <paramref name="path"/> (e.g.
    /// <c>services.web.environment.A</c>), as its loader words it.
    /// </summary>
    public string FormatForPath(string path) => Kind == InterpolationErrorKind.InvalidTemplate
        ? $"invalid interpolation format for {path}.\nYou may need to escape any $ with another $.\n{Excerpt.Of(Template!)}"
        : $"error while interpolating {path}: {Message}";

    public override string ToString() => Message;
}
