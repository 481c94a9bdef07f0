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
}
