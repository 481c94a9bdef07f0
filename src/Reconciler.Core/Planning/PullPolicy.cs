using System.Globalization;

namespace Reconciler.Core.Planning;

internal enum PullPolicyKind { Missing, Always, Never, Build, Refresh, Invalid }

/// <summary>
/// A service's <c>pull_policy</c> as compose-go reads it: <c>daily</c> and <c>weekly</c> are refresh
/// periods like <c>every_&lt;duration&gt;</c>, whose duration takes Go units plus <c>d</c> and <c>w</c>
/// (str2duration, e.g. <c>every_12h</c>, <c>every_2d</c>, <c>every_1w2d</c>). An empty policy is <c>missing</c>.
/// </summary>
internal readonly record struct PullPolicy(PullPolicyKind Kind, TimeSpan Period, string Text)
{
    public static PullPolicy Parse(string? text)
    {
        var t = (text ?? "").Trim();
        return t switch
        {
            "" or "missing" or "if_not_present" => new(PullPolicyKind.Missing, default, t),
            "always" => new(PullPolicyKind.Always, default, t),
            "never" => new(PullPolicyKind.Never, default, t),
            "build" => new(PullPolicyKind.Build, default, t),
            "daily" => new(PullPolicyKind.Refresh, TimeSpan.FromDays(1), t),
            "weekly" => new(PullPolicyKind.Refresh, TimeSpan.FromDays(7), t),
            _ when t.StartsWith("every_", StringComparison.Ordinal) && TryParsePeriod(t["every_".Length..], out var period)
                => new(PullPolicyKind.Refresh, period, t),
            _ => new(PullPolicyKind.Invalid, default, t),
        };
    }

    private static bool TryParsePeriod(string s, out TimeSpan period)
    {
        period = TimeSpan.Zero;
        var seconds = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start || !double.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < s.Length && (char.IsAsciiLetter(s[i]) || s[i] is 'µ' or 'μ')) i++;
            double unit = s[unitStart..i] switch
            {
                "ns" => 1e-9, "us" or "µs" or "μs" => 1e-6, "ms" => 1e-3,
                "s" => 1, "m" => 60, "h" => 3600, "d" => 86400, "w" => 7 * 86400,
                _ => -1,
            };
            if (unit < 0) return false;
            seconds += n * unit;
        }
        if (seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds) return false;
        period = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
