using System.Text;
using System.Text.RegularExpressions;

namespace Reconciler.Sops;

/// <summary>
/// sops's dotenv format: <c>KEY=value</c> lines (the key is everything before the first <c>=</c>,
/// <c>\n</c> in a value stands for a newline), <c>#</c> comment lines, and the metadata flattened
/// into <c>sops_…</c> keys (<c>sops_age__list_0__map_enc</c>).
/// </summary>
internal static partial class SopsDotenv
{
    [GeneratedRegex(@"^sops_(mac|lastmodified|version)=", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex MetadataLine();

    public static bool IsEncrypted(string text) => MetadataLine().Matches(text).Count >= 2;

    public static SopsDecrypted Decrypt(string text, IReadOnlyList<AgeIdentity> identities, string file)
    {
        var items = new List<(string? Key, string Value)>(); // Key null: a comment
        var metadata = new List<(string Key, string Value)>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0) continue;
            if (line[0] == '#') { items.Add((null, line[1..])); continue; }
            var eq = line.IndexOf('=');
            if (eq < 0) throw new SopsException($"{file}:{number}: not a KEY=value line; the file is corrupt");
            var key = line[..eq];
            var value = line[(eq + 1)..].Replace("\\n", "\n", StringComparison.Ordinal);
            if (key.StartsWith("sops_", StringComparison.Ordinal)) metadata.Add((key["sops_".Length..], value));
            else items.Add((key, value));
        }
        var meta = SopsMetadata.From(Unflatten(metadata, file), file);
        var tree = new SopsTreeDecryption(meta, SopsTreeDecryption.DataKey(meta, identities, file), file);
        var output = new StringBuilder();
        foreach (var (key, value) in items)
        {
            if (key is null)
            {
                // sops encrypts comments too; one that does not decrypt is kept as it is, as sops does.
                output.Append('#').Append(tree.Comment(value, [])).Append('\n');
                continue;
            }
            var plain = tree.Leaf([key], value, value);
            output.Append(key).Append('=').Append((plain?.Text ?? value).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        }
        tree.VerifyMac();
        return new SopsDecrypted(Encoding.UTF8.GetBytes(output.ToString()), [.. tree.Secrets]);
    }

    /// <summary>sops's flattening undone: <c>a__list_0__map_b</c> is <c>a[0].b</c>.</summary>
    private static Dictionary<string, object?> Unflatten(List<(string Key, string Value)> flat, string file)
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in flat)
        {
            var tokens = Regex.Split(key, "(__map_|__list_)");
            object container = root;
            // tokens: name, sep, name, sep, name …; each separator says what the next token indexes.
            for (var i = 0; i < tokens.Length; i += 2)
            {
                var last = i + 2 >= tokens.Length;
                var nextIsList = !last && tokens[i + 1] == "__list_";
                object? child = last ? value : nextIsList ? new List<object?>() : new Dictionary<string, object?>(StringComparer.Ordinal);
                switch (container)
                {
                    case Dictionary<string, object?> map:
                        if (map.TryGetValue(tokens[i], out var existing) && !last) child = existing;
                        else map[tokens[i]] = child;
                        break;
                    case List<object?> list:
                        if (!int.TryParse(tokens[i], out var index) || index < 0 || index > 1000)
                            throw new SopsException($"{file}: sops_{key} has a malformed list index; the file is corrupt");
                        while (list.Count <= index) list.Add(null);
                        if (list[index] is { } present && !last) child = present;
                        else list[index] = child;
                        break;
                }
                if (child is null) throw new SopsException($"{file}: sops_{key} is malformed; the file is corrupt");
                container = child;
            }
        }
        return root;
    }
}
