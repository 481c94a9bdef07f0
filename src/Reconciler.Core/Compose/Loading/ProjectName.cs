using System.Text;

namespace Reconciler.Core.Compose.Loading;

/// <summary>compose's project name rules: lowercase letters, digits, dashes and underscores, starting with a letter or digit.</summary>
public static class ProjectName
{
    public static string Normalize(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-') sb.Append(c);
        var s = sb.ToString();
        return s.TrimStart('_', '-');
    }

    public static bool IsValid(string name) => name.Length > 0 && Normalize(name) == name;
}
