using Microsoft.Extensions.Logging;

namespace Reconciler.Daemon;

/// <summary>
/// Removes what the daemon rendered for stacks that are no longer configured (<c>state_dir/stacks/NAME</c>):
/// a rendered tree may hold files decrypted from sops, which must not outlive the stack that needed them.
/// Only folders directly under <c>stacks/</c> are touched, and only when their name is not a stack's.
/// </summary>
public static partial class StaleStackFiles
{
    public static int Remove(string stateDir, IEnumerable<string> configuredStacks, ILogger logger)
    {
        var root = Path.Combine(stateDir, "stacks");
        if (!Directory.Exists(root)) return 0;
        var keep = new HashSet<string>(configuredStacks, StringComparer.Ordinal);
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            if (keep.Contains(name)) continue;
            // A link is removed as a link: its target is not ours to delete.
            if (new DirectoryInfo(dir).LinkTarget is not null) File.Delete(dir);
            else
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Log.NotRemoved(logger, name, dir, e.Message);
                    continue;
                }
            }
            Log.Removed(logger, name, dir);
            removed++;
        }
        return removed;
    }

    private static partial class Log
    {
        [LoggerMessage(38, LogLevel.Information, "stack={Stack} is no longer configured: removed its rendered files {Path}")]
        public static partial void Removed(ILogger logger, string stack, string path);

        [LoggerMessage(39, LogLevel.Warning, "stack={Stack} is no longer configured, but its rendered files {Path} could not be removed: {Error}")]
        public static partial void NotRemoved(ILogger logger, string stack, string path, string error);
    }
}
