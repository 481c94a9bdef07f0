using Reconciler.Configuration;

namespace Reconciler.Fleet;

/// <summary>
/// The stacks a host runs as the one-shot commands (<c>status</c>, <c>gc</c>, <c>history</c>) can
/// know them without a daemon: the config's, plus those of the last good host file the daemon
/// recorded in <c>state_dir</c>.
/// </summary>
public static class RecordedStacks
{
    public static IReadOnlyList<StackConfig> Of(DaemonConfig config)
    {
        if (config.Fleet is null || new LastGoodHostFile(config.StateDir).Read() is not { } record) return config.Stacks;
        var load = HostFileLoad.Of(config, record.File, record.Repo, record.Commit, record.Text, message: "");
        return load.HostFile is { } file ? [.. config.Stacks, .. file.Stacks] : config.Stacks;
    }
}
