using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Sops;

/// <summary>
/// sops's YAML format: a document with a top-level <c>sops</c> map. Values are replaced in place
/// (decrypted strings double-quoted so they stay strings, numbers and booleans plain); the
/// <c>sops</c> key and the encrypted comments are dropped from the output.
/// </summary>
internal static partial class SopsYaml
{
    [GeneratedRegex(@"^sops:[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex MetadataKey();

    [GeneratedRegex(@"^[-+]?[0-9]+$|^0x[0-9a-fA-F]+$|^0o[0-7]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Float();

    public static bool IsEncrypted(string text) => MetadataKey().IsMatch(text);

    public static SopsDecrypted Decrypt(string text, IReadOnlyList<AgeIdentity> identities, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new SopsException($"{file}:{e.Start.Line}: not valid YAML ({e.Message}); the file is corrupt");
        }
        var holder = stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()
            .FirstOrDefault(m => m.Children.ContainsKey(new YamlScalarNode("sops")))
            ?? throw new SopsException($"{file}: has no top-level sops map; the file is corrupt");
        var metaNode = holder.Children[new YamlScalarNode("sops")];
        var meta = SopsMetadata.From(ToPlain(metaNode), file);
        var tree = new SopsTreeDecryption(meta, SopsTreeDecryption.DataKey(meta, identities, file), file);
        holder.Children.Remove(new YamlScalarNode("sops"));
        foreach (var document in stream.Documents) Walk(document.RootNode, [], tree);
        tree.VerifyMac();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(output, assignAnchors: false);
        var yaml = output.ToString();
        // YamlDotNet closes every document with "..."; one document reads better without it.
        if (stream.Documents.Count == 1 && yaml.EndsWith("...\n", StringComparison.Ordinal)) yaml = yaml[..^4];
        return new SopsDecrypted(Encoding.UTF8.GetBytes(yaml), [.. tree.Secrets]);
    }

    private static void Walk(YamlNode node, List<string> path, SopsTreeDecryption tree)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children.ToList())
                {
                    var name = (key as YamlScalarNode)?.Value ?? throw new SopsException($"{tree.File}: a key that is not a string; sops supports only string keys");
                    List<string> child = [.. path, name];
                    if (value is YamlScalarNode scalar) { if (Leaf(scalar, child, tree) is { } plain) map.Children[key] = plain; }
                    else Walk(value, child, tree);
                }
                break;
            case YamlSequenceNode seq:
                // sops: list items share their list's key path.
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is YamlScalarNode scalar) { if (Leaf(scalar, path, tree) is { } plain) seq.Children[i] = plain; }
                    else Walk(seq.Children[i], path, tree);
                }
                break;
        }
    }

    private static YamlScalarNode? Leaf(YamlScalarNode scalar, List<string> path, SopsTreeDecryption tree)
    {
        var value = scalar.Value ?? "";
        var plainStyle = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && scalar.Tag.IsEmpty;
        string? encoded = value, macText = value;
        if (plainStyle)
        {
            if (value is "" or "~" or "null" or "Null" or "NULL") return null; // sops skips null values
            if (value is "true" or "True" or "TRUE") (encoded, macText) = (null, "True");
            else if (value is "false" or "False" or "FALSE") (encoded, macText) = (null, "False");
            else if (Integer().IsMatch(value)) (encoded, macText) = (null, GoInteger(value));
            else if (Float().IsMatch(value)) (encoded, macText) = (null, GoNumber.Float(double.Parse(value, CultureInfo.InvariantCulture)));
        }
        var plain = tree.Leaf(path, encoded, macText);
        if (plain is null) return null;
        return plain.Type switch
        {
            "int" or "float" => new YamlScalarNode(plain.Text) { Style = ScalarStyle.Plain },
            "bool" => new YamlScalarNode(plain.Text.Equals("true", StringComparison.OrdinalIgnoreCase) ? "true" : "false") { Style = ScalarStyle.Plain },
            _ => new YamlScalarNode(plain.Text) { Style = ScalarStyle.DoubleQuoted },
        };
    }

    private static string GoInteger(string value)
    {
        if (value.StartsWith("0x", StringComparison.Ordinal)) return long.Parse(value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        if (value.StartsWith("0o", StringComparison.Ordinal)) return Convert.ToInt64(value[2..], 8).ToString(CultureInfo.InvariantCulture);
        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : value;
    }

    /// <summary>The metadata map as strings, lists and maps.</summary>
    private static object? ToPlain(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value,
        YamlSequenceNode seq => seq.Children.Select(ToPlain).ToList(),
        YamlMappingNode map => map.Children.Where(kv => kv.Key is YamlScalarNode)
            .GroupBy(kv => ((YamlScalarNode)kv.Key).Value ?? "").ToDictionary(g => g.Key, g => ToPlain(g.Last().Value), StringComparer.Ordinal),
        _ => null,
    };
}
