using System.Text;
using System.Text.RegularExpressions;

namespace Reconciler.Core.Building;

/// <summary>
/// A <c>.dockerignore</c> file's patterns, matched as the docker CLI matches them (moby's
/// patternmatcher): one pattern a line, <c>#</c> comments, a leading <c>!</c> re-includes, patterns
/// are cleaned paths relative to the context (a leading <c>/</c> dropped), <c>*</c> and <c>?</c> stop
/// at <c>/</c>, <c>**</c> spans folders, and a pattern matching a folder matches everything under it.
/// The last pattern that matches a path decides.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<(Regex Pattern, bool Exclusion)> _patterns;

    private DockerIgnore(IReadOnlyList<(Regex, bool)> patterns) => _patterns = patterns;

    public static DockerIgnore Empty { get; } = new([]);

    public bool IsEmpty => _patterns.Count == 0;

    /// <summary>Some pattern re-includes (<c>!</c>): an excluded folder may still hold entries that count.</summary>
    public bool HasExceptions => _patterns.Any(p => p.Exclusion);

    public static DockerIgnore Parse(string text)
    {
        var patterns = new List<(Regex, bool)>();
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exclusion = line.StartsWith('!');
            if (exclusion) line = line[1..].Trim();
            var cleaned = Clean(line);
            if (cleaned.Length == 0) continue;
            patterns.Add((Compile(cleaned), exclusion));
        }
        return new DockerIgnore(patterns);
    }

    /// <summary>Whether the entry at <paramref name="path"/> (relative to the context, with <c>/</c>) stays out of the context.</summary>
    public bool Excludes(string path)
    {
        var matched = false;
        var parents = path.Split('/');
        foreach (var (pattern, exclusion) in _patterns)
        {
            // Only a pattern that could change the answer is tried: an exclusion (!) once matched, an inclusion before.
            if (exclusion != matched) continue;
            var match = pattern.IsMatch(path);
            for (var i = 1; !match && i < parents.Length; i++)
                match = pattern.IsMatch(string.Join('/', parents[..i]));
            if (match) matched = !exclusion;
        }
        return matched;
    }

    /// <summary>Go's filepath.Clean, then without a leading <c>/</c>, as the CLI reads the file.</summary>
    private static string Clean(string pattern)
    {
        var rooted = pattern.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in pattern.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else if (part != ".." || !rooted) parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static Regex Compile(string pattern)
    {
        var re = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (ch == '*')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/') i++;
                    // "**" at the end matches everything; elsewhere any number of folders, none included.
                    re.Append(i + 1 >= pattern.Length ? ".*" : "(.*/)?");
                }
                else
                {
                    re.Append("[^/]*");
                }
            }
            else if (ch == '?')
            {
                re.Append("[^/]");
            }
            else if (ch == '[')
            {
                var end = pattern.IndexOf(']', i + 1);
                if (end < 0)
                {
                    re.Append(@"\[");
                    continue;
                }
                var set = pattern[(i + 1)..end];
                if (set.StartsWith('!')) set = "^" + set[1..];
                re.Append('[').Append(set.Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                i = end;
            }
            else if (ch == '\\' && i + 1 < pattern.Length)
            {
                re.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else
            {
                re.Append(Regex.Escape(ch.ToString()));
            }
        }
        re.Append('$');
        return new Regex(re.ToString(), RegexOptions.CultureInvariant);
    }
}
