using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.State;

namespace Reconciler.Cli;

/// <summary><c>reconciler gc</c>: image garbage collection now, by the daemon's rules; <c>--dry-run</c> only says what it would do.</summary>
internal static class GcCommand
{
    public static Command Create()
    {
        var config = DaemonOptions.Config();
        var dryRun = new Option<bool>("--dry-run") { Description = "List every image with what GC would do and why; remove nothing" };
        var command = new Command("gc", """
            Remove images no deploy needs any more, by the rules the daemon applies after each deploy:
            only images Reconciler pulled, that no container uses, that none of each stack's last
            image_gc.keep_commits good commits runs, pulled longer than image_gc.grace_period ago.

            Examples:
              reconciler gc --dry-run --config /etc/reconciler/config.yaml
              reconciler gc
            """);
        command.Options.Add(config);
        command.Options.Add(dryRun);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null) return 1;
            if (!File.Exists(Path.Combine(cfg.StateDir, SqliteStateStoreOptions.DatabaseFileName)))
            {
                Console.Error.WriteLine($"no state yet in {cfg.StateDir}: has the daemon run? (without it nothing is known to be Reconciler's)");
                return 1;
            }
            try
            {
                using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = cfg.StateDir }, TimeProvider.System);
                await store.OpenAsync(ct);
                using var engine = DockerEngine.Connect(cfg.DockerHost);
                var collector = new ImageCollector(cfg, engine.Host, store, TimeProvider.System, NullLogger.Instance, Fleet.RecordedStacks.Of(cfg));
                var report = await collector.CollectAsync(result.GetValue(dryRun), ct);
                foreach (var d in report.Decisions.OrderBy(d => d.Remove ? 0 : 1).ThenBy(d => d.Image.Name, StringComparer.Ordinal))
                    Console.WriteLine(d.ToString());
                Console.WriteLine(report.DryRun
                    ? $"dry run: {report.Decisions.Count(d => d.Remove)} images would be removed, {report.ReclaimedBytes} bytes"
                    : $"{report.Removed.Count} images removed, {report.ReclaimedBytes} bytes reclaimed");
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
