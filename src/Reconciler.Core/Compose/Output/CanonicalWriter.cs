using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Output;

/// <summary>
/// Prints a canonical project tree byte for byte as <c>docker compose config</c> (2.26) does. Key
/// order is the tree's: compose-go's struct field order for known keys, sorted for maps.
/// </summary>
internal static class CanonicalWriter
{
    /// <summary><c>config --format json</c>: Go's indented JSON, no trailing newline, every <c>$</c> doubled.</summary>
    public static string ToJson(Node root) => GoJson.Indented(root, escapeDollar: true);

    /// <summary><c>config --format yaml</c>: go-yaml v3's output, ending in a newline, every <c>$</c> doubled.</summary>
    public static string ToYaml(Node root) => GoYaml.Write(root);
}
