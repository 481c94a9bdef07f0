using System.Text.RegularExpressions;

namespace Reconciler.Fleet;

/// <summary>
/// The documented way for a commit to empty a host on purpose: a trailer line
/// <c>Reconciler-Allow-Empty-Host: HOST_ID</c> in its message, one per host it empties. Without it
/// a host file that would drop every stack at once (a bad merge, a truncated file) is refused.
/// </summary>
public static partial class EmptyHostPermission
{
    public const string Trailer = "Reconciler-Allow-Empty-Host";

    /// <summary>Whether <paramref name="message"/> has the trailer naming <paramref name="hostId"/> (git trailer keys are case-insensitive).</summary>
    public static bool Allows(string message, string hostId) =>
        TrailerLine().Matches(message).Any(m => m.Groups["host"].Value == hostId);

    [GeneratedRegex(@"^Reconciler-Allow-Empty-Host:[ \t]*(?<host>\S+)[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TrailerLine();
}
