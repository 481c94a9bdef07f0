using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Configuration;

/// <summary>A fleet repo's host file, read as strictly as the daemon config and checked against it.</summary>
public static partial class DaemonConfigReader
{
    /// <summary>
    /// Reads a host file's text. Errors name <paramref name="origin"/>'s file with line, column and
    /// key path, like the config's; any error means the whole file is refused (the daemon keeps the
    /// stacks of the last good one). Checked against <paramref name="config"/>: repos must be the
    /// config's, stack names and compose projects must not collide with its stacks or each other.
    /// </summary>
    public static (HostFile? HostFile, IReadOnlyList<ConfigError> Errors) ParseHostFile(string text, DaemonConfig config, StackOrigin origin)
    {
        var errors = new List<ConfigError>();
        var ctx = new Ctx(origin.File, errors);
        var (root, syntax) = LoadRoot(text, origin.File, "a host file must be a mapping with stacks: (and variables:)");
        if (root is null)
        {
            // An empty file is a host with no stacks, written so: the empty-host guard decides on it.
            return string.IsNullOrWhiteSpace(text) || text.Split('\n').All(l => l.TrimStart().StartsWith('#') || l.Trim().Length == 0)
                ? (new HostFile(), [])
                : (null, [syntax!]);
        }
        ctx.Keys(root, "", "stacks", "variables");
        var hostVariables = ReadVariables(ctx, root, "");
        var stacks = new List<StackConfig>();
        var seq = ctx.Seq(root, "stacks", "stacks");
        var defaults = new StackDefaults(config.Limits, config.Policy);
        var repoHint = $" of the daemon config {config.Path} (a host file may use only the repos the host's own config declares)";
        for (var i = 0; i < (seq?.Children.Count ?? 0); i++)
        {
            var p = $"stacks[{i}]";
            if (seq!.Children[i] is not YamlMappingNode s) { ctx.Error(seq.Children[i], p, "must be a mapping"); continue; }
            foreach (var (k, _) in s.Children)
                if ((k as YamlScalarNode)?.Value is { } key && LocalOnlyStackKeys.Contains(key))
                    ctx.Error(k, $"{p}.{key}", $"is set in the host's daemon config only ({config.Path}), not in a host file: the local config keeps the last word on what a stack may read and how it is checked");
            ctx.Keys(s, p, [.. SharedStackKeys, .. LocalOnlyStackKeys]);
            var stack = ReadStack(ctx, s, p, config.Repos, config.Fleet?.Repo, stacks, defaults, origin, repoHint);
            if (stack is null) continue;
            if (config.Stacks.FirstOrDefault(x => x.Name == stack.Name) is { } local)
                ctx.Error(ctx.Node(s, "name")!, p + ".name", $"\"{stack.Name}\" is also a stack of the daemon config {local.Origin?.File ?? config.Path}: rename one of them");
            else if (config.Stacks.Concat(stacks).FirstOrDefault(x => x.ProjectName == stack.ProjectName && x.Name != stack.Name) is { } other)
                ctx.Error(s, p + (stack.Project is null ? ".name" : ".project"),
                    $"compose project \"{stack.ProjectName}\" is already stack {other.Name}'s: two stacks would fight over its containers; set project:");
            stacks.Add(stack with { Variables = hostVariables.SetItems(stack.Variables) });
        }
        return errors.Count > 0 ? (null, errors) : (new HostFile { Stacks = [.. stacks], Variables = hostVariables }, errors);
    }
}
