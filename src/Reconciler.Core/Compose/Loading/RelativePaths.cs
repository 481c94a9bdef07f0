using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// Rewrites the relative paths of a raw service (bind sources, env files, build context, label
/// files) against a directory. Services brought in by <c>extends: {file:}</c> or <c>include:</c>
/// resolve their paths against their own file's directory, not the project's, as compose does.
/// </summary>
internal static class RelativePaths
{
    public static void Rebase(MappingNode service, string dir)
    {
        if (service["volumes"] is SequenceNode volumes)
            for (var i = 0; i < volumes.Items.Count; i++)
            {
                switch (volumes.Items[i])
                {
                    case ScalarNode { IsNull: false } s when s.Value.StartsWith('.'):
                        var colon = s.Value.IndexOf(':');
                        var source = colon < 0 ? s.Value : s.Value[..colon];
                        var rest = colon < 0 ? "" : s.Value[colon..];
                        volumes.Items[i] = new ScalarNode(HostPaths.Join(dir, source) + rest, ScalarKind.String, s.Mark);
                        break;
                    case MappingNode m when m["type"] is ScalarNode { Value: "bind" } && m["source"] is ScalarNode src && IsRelative(src.Value):
                        m["source"] = new ScalarNode(HostPaths.Join(dir, src.Value), ScalarKind.String, src.Mark);
                        break;
                }
            }
        switch (service["env_file"])
        {
            case ScalarNode { IsNull: false } s:
                service["env_file"] = Abs(s, dir);
                break;
            case SequenceNode seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    if (seq.Items[i] is ScalarNode { IsNull: false } e) seq.Items[i] = Abs(e, dir);
                    else if (seq.Items[i] is MappingNode m && m["path"] is ScalarNode p) m["path"] = Abs(p, dir);
                }
                break;
        }
        switch (service["build"])
        {
            case ScalarNode { IsNull: false } b when IsRelative(b.Value): service["build"] = Abs(b, dir); break;
            case MappingNode b when b["context"] is ScalarNode c && IsRelative(c.Value): b["context"] = Abs(c, dir); break;
        }
        if (service["extends"] is MappingNode ext && ext["file"] is ScalarNode f) ext["file"] = Abs(f, dir);
    }

    private static bool IsRelative(string p) => p.Length > 0 && !HostPaths.IsAbsolute(p) && !p.StartsWith('~') && !p.Contains("://", StringComparison.Ordinal);

    private static ScalarNode Abs(ScalarNode s, string dir) =>
        IsRelative(s.Value) ? new ScalarNode(HostPaths.Join(dir, s.Value), ScalarKind.String, s.Mark) : s;
}
