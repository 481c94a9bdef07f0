using System.CommandLine;
using Reconciler.Configuration;

namespace Reconciler.Cli;

/// <summary>The --config flag and loading the daemon's config with clear errors.</summary>
internal static class DaemonOptions
{
    public const string DefaultConfig = "/etc/reconciler/config.yaml";

    public static Option<string> Config() => new("--config", "-c")
    {
        Description = $"The daemon's config file (default: {DefaultConfig})",
        DefaultValueFactory = _ => DefaultConfig,
    };

    public static DaemonConfig? Load(string path)
    {
        var (config, errors) = DaemonConfigReader.Read(path);
        foreach (var e in errors) Console.Error.WriteLine($"error: {e}");
        return config;
    }

    /// <summary>False, after saying which stacks there are, when <paramref name="name"/> is not one of them.</summary>
    public static bool IsStack(DaemonConfig config, string name)
    {
        // The fleet's stacks too, as the daemon last recorded its host file.
        var stacks = Fleet.RecordedStacks.Of(config);
        if (stacks.Any(s => s.Name == name)) return true;
        var known = stacks.Count == 0 ? "none" : string.Join(", ", stacks.Select(s => s.Name));
        Console.Error.WriteLine($"error: no stack named {name} in {config.Path} (stacks: {known})");
        return false;
    }
}
