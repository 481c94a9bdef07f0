namespace Reconciler.Git;

/// <summary>The few facts about a commit that status pages and events show.</summary>
public sealed record GitCommitInfo(string Sha, string AuthorName, string AuthorEmail, DateTimeOffset AuthorDate, string Subject)
{
    /// <summary>
    /// Text from a commit as logs, status and history may show it: control characters (an escape
    /// sequence, a newline forging a log line) become spaces, and at most <paramref name="max"/>
    /// characters are kept. Whoever can push writes these fields.
    /// </summary>
    public static string Printable(string text, int max = 200)
    {
        var chars = text.Length > max ? text[..max].ToCharArray() : text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (char.IsControl(chars[i])) chars[i] = ' ';
        return text.Length > max ? new string(chars) + "…" : new string(chars);
    }
}
