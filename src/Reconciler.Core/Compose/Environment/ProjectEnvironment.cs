using System.Collections.Immutable;

namespace Reconciler.Core.Compose.Environment;

/// <summary>
/// The variables a project is interpolated with, layered as Docker Compose v2 layers them:
/// <list type="number">
/// <item>the process environment, which always wins;</item>
/// <item>the env files: the <c>--env-file</c> files in order when any is given (they replace the
/// default), else the project directory's <c>.env</c> when it exists and
/// <c>COMPOSE_DISABLE_ENV_FILE</c> is not true. A later file overrides an earlier one.</item>
/// </list>
/// While a file is parsed its variables are expanded against the process environment, then the
/// files read before it, then the file's own earlier lines (so an earlier file beats the file's own
/// definition — compose's order). A bare <c>KEY</c> line inherits from the process environment or an
/// earlier file. Never throws: a missing explicit file or any parse error stops the layering with
/// an error diagnostic, as compose refuses to load the project.
/// </summary>
public static class ProjectEnvironment
{
    public const string DefaultEnvFileName = ".env";
    public const string DisableDefaultEnvFileVariable = "COMPOSE_DISABLE_ENV_FILE";

    /// <param name="processEnvironment">The daemon's (or CLI's) environment.</param>
    /// <param name="envFiles">The <c>--env-file</c> paths, already resolved (compose resolves them against the current directory); empty for none.</param>
    /// <param name="defaultEnvFile">The project directory's <c>.env</c> path, used when <paramref name="envFiles"/> is empty.</param>
    /// <param name="readFile">A file's text, or null when there is no such file.</param>
    /// <param name="isDirectory">Whether the path is a directory (a directory <c>.env</c> is ignored; an explicit one is an error); null: never.</param>
    /// <param name="budget">What expansion may produce, per variable and in total (see <see cref="DotEnvParser.Parse"/>); null: no limit.</param>
    public static ProjectEnvironmentResult Build(
        IReadOnlyDictionary<string, string> processEnvironment,
        IReadOnlyList<string> envFiles,
        string defaultEnvFile,
        Func<string, string?> readFile,
        Func<string, bool>? isDirectory = null,
        ExpansionBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(processEnvironment);
        ArgumentNullException.ThrowIfNull(envFiles);
        ArgumentNullException.ThrowIfNull(defaultEnvFile);
        ArgumentNullException.ThrowIfNull(readFile);

        var diagnostics = new List<EnvDiagnostic>();
        var read = new List<string>();
        var fromFiles = new Dictionary<string, string>(StringComparer.Ordinal);

        ProjectEnvironmentResult Finish()
        {
            var variables = processEnvironment.ToImmutableDictionary(StringComparer.Ordinal).ToBuilder();
            foreach (var (k, v) in fromFiles)
                variables.TryAdd(k, v);
            return new ProjectEnvironmentResult(variables.ToImmutable(), [.. read], [.. diagnostics]);
        }

        var explicitFiles = envFiles.Count > 0;
        IReadOnlyList<string> files = envFiles;
        if (!explicitFiles)
        {
            if (processEnvironment.TryGetValue(DisableDefaultEnvFileVariable, out var disable))
            {
                var parsed = ParseGoBool(disable);
                if (parsed is null)
                {
                    diagnostics.Add(new EnvDiagnostic(EnvDiagnosticSeverity.Error, DisableDefaultEnvFileVariable, 0, 0,
                        $"strconv.ParseBool: parsing {GoQuote.Quote(Excerpt.Of(disable))}: invalid syntax"));
                    return Finish();
                }
                if (parsed == true) return Finish();
            }
            files = [defaultEnvFile];
        }

        foreach (var file in files)
        {
            if (isDirectory?.Invoke(file) == true)
            {
                if (!explicitFiles) continue;
                diagnostics.Add(new EnvDiagnostic(EnvDiagnosticSeverity.Error, file, 0, 0, $"{file} is a directory"));
                return Finish();
            }
            var text = readFile(file);
            if (text is null)
            {
                if (!explicitFiles) continue;
                diagnostics.Add(new EnvDiagnostic(EnvDiagnosticSeverity.Error, file, 0, 0, $"Couldn't find env file: {file}"));
                return Finish();
            }

            read.Add(file);
            var result = DotEnvParser.Parse(text, file, k =>
                processEnvironment.TryGetValue(k, out var p) ? p : fromFiles.TryGetValue(k, out var f) ? f : null, budget);
            diagnostics.AddRange(result.Diagnostics);
            if (result.HasErrors) return Finish();

            foreach (var entry in result.Declarations)
            {
                if (entry.Value is null) continue;
                if (entry.Key.Length == 0)
                {
                    // compose exports the project's variables to its own process and fails there.
                    diagnostics.Add(new EnvDiagnostic(EnvDiagnosticSeverity.Error, file, entry.Line, 1,
                        "a variable with an empty name cannot be set (docker compose fails with \"setenv: invalid argument\")"));
                    return Finish();
                }
                fromFiles[entry.Key] = entry.Value;
            }
        }
        return Finish();
    }

    /// <summary>
    /// The same layering for the loader: process environment from <paramref name="options"/>,
    /// <c>--env-file</c> paths resolved against <paramref name="workingDirectory"/>, the default
    /// <c>.env</c> in <paramref name="projectDirectory"/>, files read from <paramref name="fs"/>,
    /// problems appended to <paramref name="diagnostics"/>.
    /// </summary>
    /// <remarks>Files are read as the loader reads them (size limit, strict UTF-8), within <see cref="LoadOptions.Limits"/>.</remarks>
    public static ImmutableDictionary<string, string> Build(
        LoadOptions options, string projectDirectory, string workingDirectory, IFileSource fs, List<Diagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(diagnostics);
        try
        {
            return Build(options, projectDirectory, workingDirectory, fs, diagnostics, new Loading.LoadBudget(options.Limits));
        }
        catch (ComposeException e)
        {
            diagnostics.Add(e.Diagnostic);
            return options.Environment.ToImmutableDictionary(StringComparer.Ordinal);
        }
    }

    /// <summary>The loader's form: reads spend from the load's budget; a limit passed throws <see cref="ComposeException"/>.</summary>
    internal static ImmutableDictionary<string, string> Build(
        LoadOptions options, string projectDirectory, string workingDirectory, IFileSource fs, List<Diagnostic> diagnostics,
        Loading.LoadBudget budget)
    {
        var envFiles = options.EnvFiles.IsDefault ? [] : options.EnvFiles.Select(f => Path.GetFullPath(f, workingDirectory)).ToList();
        // A refused file (outside the stack's repository) is an error and reads as empty, so it
        // neither feeds the environment nor adds a "not found" of its own.
        string? Read(string file)
        {
            if (Loading.FileRefusal.Check(fs, file, "env file " + Loading.FileRefusal.Shown(file, workingDirectory)) is not { } refused)
                return Loading.FileReads.ReadText(fs, file, budget, Loading.FileKind.EnvFile);
            diagnostics.Add(refused);
            return "";
        }
        var result = Build(
            options.Environment,
            envFiles,
            Path.Combine(projectDirectory, DefaultEnvFileName),
            Read,
            fs.DirectoryExists,
            budget.Expansion);
        foreach (var d in result.Diagnostics)
        {
            var mark = new Yaml.Mark(d.File, d.Line, d.Column);
            diagnostics.Add(d.IsError ? Diagnostic.Error(d.Message, mark) : Diagnostic.Warn(d.Message, mark));
        }
        return result.Variables;
    }

    /// <summary>Go's <c>strconv.ParseBool</c>; null when it would fail.</summary>
    internal static bool? ParseGoBool(string s) => s switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}

/// <summary>
/// The outcome of <see cref="ProjectEnvironment.Build(IReadOnlyDictionary{string, string}, IReadOnlyList{string}, string, Func{string, string?}, Func{string, bool}?)"/>:
/// the merged variables, the env files actually read, in order, and the problems found.
/// </summary>
public sealed record ProjectEnvironmentResult(
    ImmutableDictionary<string, string> Variables,
    ImmutableArray<string> EnvFiles,
    ImmutableArray<EnvDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>The variable's value, or null when unset: the lookup <see cref="Interpolator.Interpolate"/> takes.</summary>
    public string? Lookup(string name) => Variables.TryGetValue(name, out var v) ? v : null;
}
