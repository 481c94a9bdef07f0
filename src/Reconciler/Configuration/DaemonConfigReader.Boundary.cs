using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Shaping;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Configuration;

/// <summary>
/// What a stack's commit may reach, as the config grants it: <c>host_files</c>, <c>variables</c>,
/// <c>pass_env</c> and <c>limits</c> (per stack, over a fleet-wide <c>limits:</c>).
/// </summary>
public static partial class DaemonConfigReader
{
    private static readonly string[] LimitKeys =
        ["max_file_size", "max_files", "max_depth", "max_nodes", "max_value_size", "max_expanded_size"];

    /// <summary><c>limits:</c> over <paramref name="inherited"/>: each key given replaces that limit only.</summary>
    private static LoadLimits ReadLimits(Ctx ctx, YamlMappingNode owner, string path, LoadLimits inherited)
    {
        var at = path.Length == 0 ? "limits" : path + ".limits";
        if (ctx.Map(owner, "limits", at) is not { } m) return inherited;
        ctx.Keys(m, at, LimitKeys);
        long? Size(string key, long max) => ctx.Str(m, key, at) is { } s ? Positive(ctx, m, key, at, s, max, bytes: true) : null;
        long? Count(string key) => ctx.Str(m, key, at) is { } s ? Positive(ctx, m, key, at, s, int.MaxValue, bytes: false) : null;
        return inherited with
        {
            MaxFileBytes = Size("max_file_size", long.MaxValue) ?? inherited.MaxFileBytes,
            MaxFiles = (int?)Count("max_files") ?? inherited.MaxFiles,
            MaxDepth = (int?)Count("max_depth") ?? inherited.MaxDepth,
            MaxNodes = (int?)Count("max_nodes") ?? inherited.MaxNodes,
            MaxValueBytes = (int?)Size("max_value_size", int.MaxValue) ?? inherited.MaxValueBytes,
            MaxExpandedBytes = Size("max_expanded_size", long.MaxValue) ?? inherited.MaxExpandedBytes,
        };
    }

    private static long? Positive(Ctx ctx, YamlMappingNode m, string key, string at, string text, long max, bool bytes)
    {
        var ok = bytes ? ByteSize.TryParse(text, out var n) : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        if (ok && n > 0 && n <= max) return n;
        ctx.Error(ctx.Node(m, key)!, $"{at}.{key}", bytes
            ? $"invalid size \"{text}\": use a positive number of bytes with a unit, like 4MiB or 512k"
            : $"invalid count \"{text}\": use a whole number from 1 to {max}");
        return null;
    }

    /// <summary><c>host_files:</c> absolute paths only: a relative one would depend on where the daemon was started.</summary>
    private static ImmutableArray<string> ReadHostFiles(Ctx ctx, YamlMappingNode stack, string path)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var (node, at, value) in ListItems(ctx, stack, "host_files", path))
        {
            if (!System.IO.Path.IsPathFullyQualified(value))
                ctx.Error(node, at, $"\"{value}\" is not an absolute path: list host files as /etc/reconciler/secrets/NAME");
            else result.Add(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(value)));
        }
        return result.ToImmutable();
    }

    /// <summary><c>variables:</c> a mapping of variable names to values (a value is required; "" is one).</summary>
    private static ImmutableDictionary<string, string> ReadVariables(Ctx ctx, YamlMappingNode stack, string path)
    {
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var prefix = path.Length == 0 ? "variables" : path + ".variables";
        if (ctx.Map(stack, "variables", prefix) is not { } m) return result.ToImmutable();
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            var at = $"{prefix}.{name}";
            if (!IsVariableName(name)) ctx.Error(k, at, VariableNameRule(name));
            else if (v is not YamlScalarNode s || s.Value is null || (s.Style == ScalarStyle.Plain && s.Value is "" or "~" or "null"))
                ctx.Error(v, at, "needs a string value (write \"\" for an empty one)");
            else result[name] = s.Value;
        }
        return result.ToImmutable();
    }

    /// <summary><c>pass_env:</c> names of the daemon's variables the stack may see; none in <c>variables:</c> too.</summary>
    private static ImmutableArray<string> ReadPassEnv(Ctx ctx, YamlMappingNode stack, string path, ImmutableDictionary<string, string> variables)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var (node, at, name) in ListItems(ctx, stack, "pass_env", path))
        {
            if (!IsVariableName(name)) ctx.Error(node, at, VariableNameRule(name));
            else if (variables.ContainsKey(name)) ctx.Error(node, at, $"{name} is also set under variables: give it one source");
            else if (!result.Contains(name)) result.Add(name);
        }
        return result.ToImmutable();
    }

    /// <summary>The strings of a list (or a lone string), each with its node and key path for errors.</summary>
    private static List<(YamlNode Node, string At, string Value)> ListItems(Ctx ctx, YamlMappingNode m, string key, string path)
    {
        var result = new List<(YamlNode, string, string)>();
        switch (ctx.Node(m, key))
        {
            case null: break;
            case YamlScalarNode { Value: { Length: > 0 } one } s: result.Add((s, $"{path}.{key}", one)); break;
            case YamlSequenceNode seq:
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is YamlScalarNode { Value: { } v }) result.Add((seq.Children[i], $"{path}.{key}[{i}]", v));
                    else ctx.Error(seq.Children[i], $"{path}.{key}[{i}]", "must be a string");
                }
                break;
            case var other: ctx.Error(other, $"{path}.{key}", "must be a list of strings"); break;
        }
        return result;
    }

    // compose: a variable name is a letter or underscore, then letters, digits and underscores.
    private static bool IsVariableName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string VariableNameRule(string name) =>
        $"\"{name}\" is not a variable name (a letter or _, then letters, digits and _)";
}
