using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// Reads one compose file into interpolated trees (one per YAML document), with its
/// <c>extends</c> resolved. Caches files so a base file extended by many services is read once
/// (each copy taken from the cache still counts against the load's node budget).
/// </summary>
internal sealed class ComposeFileReader(IFileSource fs, Func<string, string?> lookup, List<Diagnostic> diagnostics, LoadBudget budget)
{
    private readonly Dictionary<string, List<MappingNode>> _cache = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    public List<MappingNode> Read(string file)
    {
        var docs = Parse(file);
        foreach (var doc in docs) ResolveExtends(doc, file, []);
        return docs;
    }

    /// <summary>A file named by <c>extends: {file:}</c>, parsed once and never changed: services are copied out of it.</summary>
    private List<MappingNode> Cached(string file)
    {
        if (!_cache.TryGetValue(file, out var docs)) _cache[file] = docs = Parse(file);
        return docs;
    }

    private MappingNode Copy(MappingNode node)
    {
        budget.CountNodes(YamlTreeReader.Size(node), node.Mark);
        return (MappingNode)node.Clone();
    }

    private List<MappingNode> Parse(string file)
    {
        FileRefusal.ThrowIfRefused(fs, file, "compose file " + file);
        var text = FileReads.ReadText(fs, file, budget, FileKind.Compose)
            ?? throw new ComposeException(Diagnostic.Error($"open {file}: no such file or directory"));
        var docs = new List<MappingNode>();
        foreach (var doc in YamlTreeReader.Read(text, file, budget))
        {
            if (doc is ScalarNode { IsNull: true }) continue;
            if (doc is not MappingNode map)
                throw new ComposeException(Diagnostic.Error("top-level object must be a mapping", doc.Mark));
            TreeInterpolator.Apply(map, TreePath.Root, lookup, diagnostics, _warned, budget);
            if (map.ContainsKey("version"))
            {
                diagnostics.Add(Diagnostic.Warn("the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion", map.KeyMark("version"), "version"));
                map.Remove("version");
            }
            docs.Add(map);
        }
        return docs;
    }

    /// <summary>
    /// compose's <c>extends</c>: the service starts as a copy of the one it names (in this file or
    /// in <c>file:</c>, whose relative paths resolve against that file's directory) and is merged
    /// over it with the override rules. Chains are followed; a cycle is an error.
    /// </summary>
    private void ResolveExtends(MappingNode doc, string file, List<string> chain)
    {
        if (doc["services"] is not MappingNode services) return;
        foreach (var name in services.Keys.ToList())
            if (services[name] is MappingNode s && s.ContainsKey("extends"))
                services[name] = Extend(services, name, s, file, chain);
    }

    private MappingNode Extend(MappingNode services, string name, MappingNode service, string file, List<string> chain)
    {
        var key = $"{file}#{name}";
        if (chain.Contains(key))
            throw new ComposeException(Diagnostic.Error($"circular reference with extends: {Excerpt.Of(string.Join(" -> ", chain.Append(key)))}", service.Mark, $"services.{Excerpt.Of(name)}.extends"));
        // Each link is a level of recursion here: a chain of 100,000 services must not exhaust the stack.
        if (chain.Count >= budget.MaxDepth)
            throw budget.TooDeep(service.Mark, "extends chains");
        var ext = service["extends"]!;
        service.Remove("extends");
        string baseName;
        string? baseFile = null;
        switch (ext)
        {
            case ScalarNode { IsNull: false } s: baseName = s.Value; break;
            case MappingNode m when m["service"] is ScalarNode sn:
                baseName = sn.Value;
                if (m["file"] is ScalarNode f)
                {
                    baseFile = Path.GetFullPath(f.Value, Path.GetDirectoryName(file)!);
                    FileRefusal.ThrowIfRefused(fs, baseFile, f.Value, f.Mark, $"services.{name}.extends.file");
                }
                break;
            default:
                throw new ComposeException(Diagnostic.Error("extends must name a service, or be {service: NAME, file: PATH}", ext.Mark, $"services.{Excerpt.Of(name)}.extends"));
        }
        MappingNode baseService;
        var nextChain = chain.Append(key).ToList();
        if (baseFile is null)
        {
            if (services[baseName] is not MappingNode b)
                throw new ComposeException(Diagnostic.Error($"cannot extend service {Excerpt.Quoted(name)}: service {Excerpt.Quoted(baseName)} not found", ext.Mark, $"services.{Excerpt.Of(name)}.extends"));
            baseService = Copy(b);
            if (baseService.ContainsKey("extends")) baseService = Extend(services, baseName, baseService, file, nextChain);
        }
        else
        {
            // compose resolves only the service extended, not the rest of that file.
            var found = Cached(baseFile).Select(d => d["services"] as MappingNode).FirstOrDefault(s => s?[baseName] is MappingNode);
            if (found is null)
                throw new ComposeException(Diagnostic.Error($"cannot extend service {Excerpt.Quoted(name)}: service {Excerpt.Quoted(baseName)} not found in {baseFile}", ext.Mark, $"services.{Excerpt.Of(name)}.extends"));
            baseService = Copy((MappingNode)found[baseName]!);
            if (baseService.ContainsKey("extends")) baseService = Extend(found, baseName, baseService, baseFile, nextChain);
            RelativePaths.Rebase(baseService, Path.GetDirectoryName(baseFile)!);
        }
        return TreeMerger.MergeService(baseService, service, name);
    }
}
