using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// compose's top-level <c>include:</c>: each entry is a project of its own (its directory, its own
/// env file) whose services, networks and volumes join the including project, with its relative
/// paths resolved against its own directory.
/// </summary>
internal static class IncludeResolver
{
    public static IEnumerable<MappingNode> Load(Node include, string projectDir, LoadOptions options, IFileSource fs, List<Diagnostic> diagnostics, LoadBudget budget, int depth = 0)
    {
        if (depth > 20)
            throw new ComposeException(Diagnostic.Error("include cycle detected", include.Mark, "include"));
        if (include is not SequenceNode entries)
            throw new ComposeException(Diagnostic.Error("include must be a list", include.Mark, "include"));
        for (var index = 0; index < entries.Items.Count; index++)
        {
            var entry = entries.Items[index];
            var at = $"include[{index}]";
            List<string> paths;
            List<string> envFiles = [];
            string? dir = null;
            // Every path the entry names, with where it was written: each is asked for before any is read.
            var named = new List<(string Written, Mark Mark, string Key)>();
            switch (entry)
            {
                case ScalarNode { IsNull: false } s:
                    paths = [s.Value];
                    named.Add((s.Value, s.Mark, at));
                    break;
                case MappingNode m:
                    paths = Strings(m["path"]);
                    envFiles = Strings(m["env_file"]);
                    named.AddRange(paths.Select(p => (p, m["path"]!.Mark, at + ".path")));
                    named.AddRange(envFiles.Select(f => (f, m["env_file"]!.Mark, at + ".env_file")));
                    if (m["project_directory"] is ScalarNode pd)
                    {
                        dir = Path.GetFullPath(pd.Value, projectDir);
                        named.Add((pd.Value, pd.Mark, at + ".project_directory"));
                    }
                    foreach (var key in m.Keys.Where(k => k is not ("path" or "env_file" or "project_directory")))
                        diagnostics.Add(Diagnostic.Error($"unknown key {Excerpt.Quoted(key)}", m.KeyMark(key), "include." + Excerpt.Of(key)));
                    break;
                default:
                    throw new ComposeException(Diagnostic.Error("an include entry is a path or {path, env_file, project_directory}", entry.Mark, "include"));
            }
            if (paths.Count == 0)
                throw new ComposeException(Diagnostic.Error("an include entry needs a path", entry.Mark, "include"));
            foreach (var (written, mark, key) in named)
                FileRefusal.ThrowIfRefused(fs, Path.GetFullPath(written, projectDir), written, mark, key);
            var files = paths.Select(p => Path.GetFullPath(p, projectDir)).ToList();
            dir ??= Path.GetDirectoryName(files[0])!;
            var env = Environment.ProjectEnvironment.Build(
                options with { EnvFiles = [.. envFiles.Select(f => Path.GetFullPath(f, projectDir))] },
                dir, projectDir, fs, diagnostics, budget);
            var reader = new ComposeFileReader(fs, k => env.TryGetValue(k, out var v) ? v : null, diagnostics, budget);
            MappingNode? merged = null;
            foreach (var file in files)
                foreach (var doc in reader.Read(file))
                {
                    if (doc["include"] is { } nested)
                    {
                        doc.Remove("include");
                        foreach (var inner in Load(nested, dir, options, fs, diagnostics, budget, depth + 1))
                            merged = merged is null ? inner : TreeMerger.MergeRoot(merged, inner);
                    }
                    if (doc["services"] is MappingNode services)
                        foreach (var (_, s) in services.Entries)
                            if (s is MappingNode service) RelativePaths.Rebase(service, dir);
                    merged = merged is null ? doc : TreeMerger.MergeRoot(merged, doc);
                }
            if (merged is null) continue;
            merged.Remove("name");
            yield return merged;
        }
    }

    private static List<string> Strings(Node? node) => node switch
    {
        ScalarNode { IsNull: false } s => [s.Value],
        SequenceNode seq => seq.Items.OfType<ScalarNode>().Select(s => s.Value).ToList(),
        _ => [],
    };
}
