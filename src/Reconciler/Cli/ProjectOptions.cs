using System.CommandLine;
using Reconciler.Loading;

namespace Reconciler.Cli;

/// <summary>The flags every project command shares, named as docker compose names them.</summary>
internal sealed class ProjectOptions
{
    public readonly Option<string[]> Files = new("--file", "-f")
    {
        Description = "Compose configuration files, merged in order (default: compose.yaml and compose.override.yaml)",
        AllowMultipleArgumentsPerToken = false,
    };
    public readonly Option<string?> ProjectName = new("--project-name", "-p") { Description = "Project name (default: name: in the file, else the directory's name)" };
    public readonly Option<string?> ProjectDirectory = new("--project-directory") { Description = "Alternate working directory (default: the first file's directory)" };
    public readonly Option<string[]> EnvFiles = new("--env-file") { Description = "Alternate environment files (replace the project's .env)" };
    public readonly Option<string[]> Profiles = new("--profile") { Description = "Profiles to enable" };

    public void AddTo(Command command)
    {
        command.Options.Add(Files);
        command.Options.Add(ProjectName);
        command.Options.Add(ProjectDirectory);
        command.Options.Add(EnvFiles);
        command.Options.Add(Profiles);
    }

    /// <summary>Whether any of these flags was given on the command line.</summary>
    public bool IsGiven(ParseResult result) =>
        new Option[] { Files, ProjectName, ProjectDirectory, EnvFiles, Profiles }.Any(o => result.GetResult(o) is not null);

    /// <summary>The flags as typed, relative paths starting from the current directory.</summary>
    public ComposeArguments ToArguments(ParseResult result) => new()
    {
        Files = [.. result.GetValue(Files) ?? []],
        ProjectName = result.GetValue(ProjectName),
        ProjectDirectory = result.GetValue(ProjectDirectory),
        EnvFiles = [.. result.GetValue(EnvFiles) ?? []],
        Profiles = [.. result.GetValue(Profiles) ?? []],
        WorkingDirectory = Directory.GetCurrentDirectory(),
    };

    /// <summary>The load as <c>docker compose</c> would do it: any file the user can read, the whole environment.</summary>
    public LoadRequest ToLoadRequest(ParseResult result) => LoadPolicy.ForUser(ToArguments(result), LoadPolicy.ProcessEnvironment());
}
