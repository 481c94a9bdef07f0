using System.CommandLine;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Loading;

namespace Reconciler.Cli;

/// <summary><c>reconciler config</c>: the resolved project, shaped like <c>docker compose config</c>.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var project = new ProjectOptions();
        var format = new Option<string>("--format") { Description = "Output format: yaml or json", DefaultValueFactory = _ => "yaml" };
        format.AcceptOnlyFromAmong("yaml", "json");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only validate the configuration, don't print anything" };
        var command = new Command("config", """
            Parse, resolve and print the compose project as docker compose would run it.

            Examples:
              reconciler config
              reconciler config -f compose.yaml -f compose.prod.yaml --format json
              reconciler config -p shop --profile debug --env-file prod.env
            """);
        project.AddTo(command);
        command.Options.Add(format);
        command.Options.Add(quiet);
        command.SetAction(result =>
        {
            var loaded = Load(project.ToLoadRequest(result));
            if (loaded.Project is null) return 1;
            if (!result.GetValue(quiet))
                // As compose prints them: JSON without a trailing newline, YAML with one.
                Console.Out.Write(result.GetValue(format) == "json" ? loaded.Project.ToJson() : loaded.Project.ToYaml());
            return 0;
        });
        return command;
    }

    /// <summary>Loads the project, printing warnings and errors to stderr as compose does.</summary>
    public static LoadResult Load(LoadRequest request)
    {
        var options = request.Options;
        // The loader only sees "not a file"; a folder given to -f is a common slip worth naming.
        var folders = options.Files.Where(f => f != "-" && Directory.Exists(Path.GetFullPath(f, options.WorkingDirectory))).ToList();
        foreach (var folder in folders)
            Console.Error.WriteLine($"error: -f {folder} is a directory: name the compose file in it (-f {Path.Join(folder, "compose.yaml")}), or use --project-directory {folder}");
        if (folders.Count > 0) return new LoadResult(null, []);
        var loaded = ComposeLoader.Load(options, request.Files);
        foreach (var d in loaded.Diagnostics)
            Console.Error.WriteLine((d.Severity == Severity.Warning ? "WARN " : "error: ") + d);
        return loaded;
    }
}
