using System.Collections.Immutable;
using Reconciler.Core.Compose.Shaping;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// Reads a compose project the way Docker Compose v2 does: files found or given, environment
/// from the process then <c>.env</c>, each file interpolated and merged in order, then checked
/// against the specification, turned into canonical form, normalized (names, default network,
/// env_file, profiles) and checked for consistency. Never throws on bad input: returns diagnostics.
/// </summary>
public static class ComposeLoader
{
    public static LoadResult Load(LoadOptions options, IFileSource fs)
    {
        var diagnostics = new List<Diagnostic>();
        try
        {
            var project = LoadCore(options, fs, diagnostics, new LoadBudget(options.Limits));
            return new LoadResult(diagnostics.Any(d => d.Severity == Severity.Error) ? null : project, [.. diagnostics]);
        }
        catch (ComposeException e)
        {
            diagnostics.Add(e.Diagnostic);
            return new LoadResult(null, [.. diagnostics]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours, not the user's: still an answer, never a crash of the daemon.
            // The exception's type only: its message may quote the file.
            diagnostics.Add(Diagnostic.Error($"internal error while loading the project ({e.GetType().Name}); please report it with the compose file"));
            return new LoadResult(null, [.. diagnostics]);
        }
    }

    private static ComposeProject? LoadCore(LoadOptions options, IFileSource fs, List<Diagnostic> diagnostics, LoadBudget budget)
    {
        var cwd = options.WorkingDirectory;
        var files = options.Files.Select(f => Path.GetFullPath(f, cwd)).ToList();

        // .env lives in the project directory; COMPOSE_FILE in it may name the files.
        var projectDir = options.ProjectDirectory is { } pd ? Path.GetFullPath(pd, cwd)
            : files.Count > 0 ? Path.GetDirectoryName(files[0])! : cwd;
        var environment = Environment.ProjectEnvironment.Build(options, projectDir, cwd, fs, diagnostics, budget);
        if (diagnostics.Any(d => d.Severity == Severity.Error)) return null;
        // compose: -p is what ${COMPOSE_PROJECT_NAME} reads, over the environment and .env (recorded:
        // golden case dotenv-compose-vars run with -p; the config hash showed it).
        if (!string.IsNullOrEmpty(options.ProjectName)) environment = environment.SetItem("COMPOSE_PROJECT_NAME", options.ProjectName);

        if (files.Count == 0 && environment.TryGetValue("COMPOSE_FILE", out var composeFile) && composeFile.Length > 0)
        {
            var sep = environment.TryGetValue("COMPOSE_PATH_SEPARATOR", out var ps) && ps.Length > 0 ? ps : ":";
            files = composeFile.Split(sep, StringSplitOptions.RemoveEmptyEntries).Select(f => Path.GetFullPath(f, projectDir)).ToList();
        }
        if (files.Count == 0)
        {
            files = ComposeFileLocator.Discover(fs, projectDir)
                ?? throw new ComposeException(Diagnostic.Error(
                    $"no configuration file provided: not found (looked for {string.Join(", ", ComposeFileLocator.DefaultNames)} in {projectDir} and its parents)"));
            if (options.ProjectDirectory is null) projectDir = Path.GetDirectoryName(files[0])!;
        }

        // compose sets COMPOSE_PROJECT_NAME to the project's name for interpolation once the name is
        // known, and the file's own name: is part of that. Files that ask for it (and an environment
        // that does not set it) are read a second time with the resolved name.
        var asked = false;
        string? Lookup(string k)
        {
            if (environment.TryGetValue(k, out var v)) return v;
            if (k == ProjectNameVariable) asked = true;
            return null;
        }
        var before = diagnostics.Count;
        var merged = ReadFiles(files, Lookup, projectDir, options, fs, diagnostics, budget);
        if (merged is null) return null;

        var name = ResolveName(options, environment, merged, projectDir, diagnostics);
        if (name is null) return null;
        if (asked)
        {
            environment = environment.SetItem(ProjectNameVariable, name);
            diagnostics.RemoveRange(before, diagnostics.Count - before);
            merged = ReadFiles(files, k => environment.TryGetValue(k, out var v) ? v : null, projectDir, options, fs, diagnostics, new LoadBudget(options.Limits));
            if (merged is null) return null;
            merged["name"] = new ScalarNode(name, ScalarKind.String, merged.Mark);
        }

        var ctx = new ShapeContext(budget);
        var shaped = ComposeSchema.Project.Apply(merged, TreePath.Root, ctx) as MappingNode;
        diagnostics.AddRange(ctx.Diagnostics);
        if (shaped is null || ctx.Diagnostics.Count > 0) return null;
        shaped.Remove("version");
        if (!shaped.ContainsKey("services") && !shaped.ContainsKey("include"))
        {
            // compose accepts a file with no services only when it has other content; none to run either way.
            shaped["services"] = new MappingNode(shaped.Mark);
        }

        var profiles = options.Profiles.ToList();
        if (profiles.Count == 0 && environment.TryGetValue("COMPOSE_PROFILES", out var envProfiles))
            profiles.AddRange(envProfiles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var normalizer = new ProjectNormalizer(name, projectDir, environment, options.HomeDirectory, fs, diagnostics, budget)
        {
            KeepUnusedSecretsAndConfigs = options.KeepUnusedSecretsAndConfigs,
        };
        normalizer.Normalize(shaped, profiles);
        if (diagnostics.Any(d => d.Severity == Severity.Error)) return null;

        return ComposeProject.FromCanonical(shaped, projectDir, [.. files], environment);
    }

    private const string ProjectNameVariable = "COMPOSE_PROJECT_NAME";

    /// <summary>Every file read, interpolated and merged in order, includes first; null on an error.</summary>
    private static MappingNode? ReadFiles(List<string> files, Func<string, string?> lookup, string projectDir, LoadOptions options,
        IFileSource fs, List<Diagnostic> diagnostics, LoadBudget budget)
    {
        var reader = new ComposeFileReader(fs, lookup, diagnostics, budget);
        MappingNode? merged = null;
        foreach (var file in files)
        {
            foreach (var map in reader.Read(file))
            {
                // compose: included projects come first; the including file then merges over them.
                if (map["include"] is { } include)
                {
                    map.Remove("include");
                    MappingNode? imported = null;
                    foreach (var included in IncludeResolver.Load(include, projectDir, options, fs, diagnostics, budget))
                    {
                        if (imported is not null) ImportConflicts.Check(imported, included, diagnostics);
                        // A copy: merging takes its arguments' nodes.
                        var copy = (MappingNode)included.Clone();
                        imported = imported is null ? copy : TreeMerger.MergeRoot(imported, copy);
                        merged = merged is null ? included : TreeMerger.MergeRoot(merged, included);
                    }
                    if (imported is not null) ImportConflicts.Check(imported, map, diagnostics);
                }
                merged = merged is null ? map : TreeMerger.MergeRoot(merged, map);
            }
        }
        if (diagnostics.Any(d => d.Severity == Severity.Error)) return null;
        if (merged is null || merged.Count == 0)
            throw new ComposeException(Diagnostic.Error("empty compose file", new Mark(files[0], 0, 0)));
        TreeMerger.StripResets(merged);
        return merged;
    }

    private static string? ResolveName(LoadOptions options, IReadOnlyDictionary<string, string> env, MappingNode merged, string projectDir, List<Diagnostic> diagnostics)
    {
        // compose: -p, then COMPOSE_PROJECT_NAME, then the file's name:, then the directory's name.
        string? name = null;
        var explicitly = true;
        string? from = null; // where a name not from the file came from, for the error
        if (!string.IsNullOrEmpty(options.ProjectName)) (name, from) = (options.ProjectName, "-p");
        else if (env.TryGetValue("COMPOSE_PROJECT_NAME", out var envName) && envName.Length > 0) (name, from) = (envName, "COMPOSE_PROJECT_NAME");
        else if (merged["name"] is ScalarNode { IsNull: false } n) name = ProjectName.Normalize(YamlCoreSchema.AsGoString(n));
        else
        {
            explicitly = false;
            name = ProjectName.Normalize(Path.GetFileName(projectDir.TrimEnd('/')));
        }
        if (explicitly && !ProjectName.IsValid(name))
        {
            diagnostics.Add(Diagnostic.Error(
                $"invalid project name {Excerpt.Quoted(name)}{(from is null ? "" : $" (from {from})")}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number",
                from is null && merged.ContainsKey("name") ? merged.KeyMark("name") : null, from is null ? "name" : null));
            return null;
        }
        if (name.Length == 0)
        {
            diagnostics.Add(Diagnostic.Error("project name must not be empty: set name: in the file or use -p"));
            return null;
        }
        merged["name"] = new ScalarNode(name, ScalarKind.String, merged.Mark);
        return name;
    }
}

/// <summary>A loaded project, or the reasons there is none.</summary>
public sealed record LoadResult(ComposeProject? Project, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Success => Project is not null;
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);
    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => d.Severity == Severity.Warning);
}
