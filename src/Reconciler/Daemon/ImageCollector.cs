using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Images;
using Reconciler.Docker;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>What one garbage collection decided and did.</summary>
/// <param name="Removed">Images removed (none on a dry run).</param>
/// <param name="ReclaimedBytes">The engine's size of each image removed, summed (on a dry run: what would be).</param>
public sealed record ImageGcReport(IReadOnlyList<ImageGcDecision> Decisions, IReadOnlyList<LocalImage> Removed, long ReclaimedBytes, bool DryRun);

/// <summary>
/// Image garbage collection: after a successful deploy, removes the images no deploy needs any more
/// (<see cref="ImageCollection"/> says which), and forgets them in the state store. Runs one
/// collection at a time; deploys that end meanwhile ask for one more, not one each. What it keeps is
/// read from the store every time, so a rollback target recorded a moment ago is never collected.
/// </summary>
public sealed partial class ImageCollector(
    DaemonConfig config, IDockerHostOperations host, IStateStore store, TimeProvider time, ILogger logger,
    IEnumerable<StackConfig>? stacks = null)
{
    private readonly SemaphoreSlim _wanted = new(0, 1);

    /// <summary>Raised after every collection that ran (not on a dry run).</summary>
    public event Action<ImageGcReport>? Collected;

    /// <summary>Asks for a collection soon (a deploy succeeded); several asks before it runs make one.</summary>
    public void Request()
    {
        try { _wanted.Release(); }
        catch (SemaphoreFullException) { /* one is already pending */ }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _wanted.WaitAsync(ct).ConfigureAwait(false);
                await CollectAsync(dryRun: false, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The engine or the store went away: the next deploy asks again.
                Log.Failed(logger, e.Message);
            }
        }
    }

    public async Task<ImageGcReport> CollectAsync(bool dryRun, CancellationToken ct)
    {
        var states = (await store.ListStacksAsync(ct).ConfigureAwait(false))
            .Where(s => (stacks ?? config.Stacks).Any(c => c.Name == s.Stack)).ToList();
        var kept = new List<string>();
        foreach (var s in states)
        {
            kept.AddRange(s.GoodHistory.Take(config.ImageGc.KeepCommits).SelectMany(g => g.Images.Values));
            kept.AddRange(s.LastGoodImages.Values);
        }
        var pulled = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (id, at) in states.SelectMany(s => s.PulledImages))
            if (!pulled.TryGetValue(id, out var earlier) || at > earlier) pulled[id] = at;
        // Containers last, just before deciding: one created meanwhile is seen.
        var images = await host.ListImagesAsync(ct).ConfigureAwait(false);
        var containers = await host.ListContainersAsync(ct).ConfigureAwait(false);
        var decisions = ImageCollection.Decide(new ImageGcInput
        {
            Images = images,
            UsedByContainers = containers.Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal),
            Kept = kept,
            Pulled = pulled,
            Now = time.GetUtcNow(),
            GracePeriod = config.ImageGc.GracePeriod,
        });
        var doomed = decisions.Where(d => d.Remove).Select(d => d.Image).ToList();
        if (dryRun) return new ImageGcReport(decisions, [], doomed.Sum(i => i.Size), DryRun: true);

        var removed = new List<LocalImage>();
        foreach (var image in doomed)
        {
            try
            {
                if (await host.RemoveImageAsync(image, ct).ConfigureAwait(false)) removed.Add(image);
                Log.Removed(logger, image.Name, image.Id, image.Size);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A container created since the listing, or the engine's own refusal: kept, tried again next time.
                Log.NotRemoved(logger, image.Name, e.Message);
            }
        }
        var gone = removed.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var s in states.Where(s => s.PulledImages.Keys.Any(gone.Contains)))
            await store.UpdateStackAsync(s.Stack, (state, _) => state.Collected(gone), ct).ConfigureAwait(false);
        var report = new ImageGcReport(decisions, removed, removed.Sum(i => i.Size), DryRun: false);
        Log.Done(logger, removed.Count, report.ReclaimedBytes, decisions.Count - doomed.Count);
        Collected?.Invoke(report);
        return report;
    }

    private static partial class Log
    {
        [LoggerMessage(70, LogLevel.Information, "image gc: removed {Image} ({Id}, {Bytes} bytes)")]
        public static partial void Removed(ILogger logger, string image, string id, long bytes);

        [LoggerMessage(71, LogLevel.Warning, "image gc: could not remove {Image}, kept: {Error}")]
        public static partial void NotRemoved(ILogger logger, string image, string error);

        [LoggerMessage(72, LogLevel.Information, "image gc: {Removed} images removed, {Bytes} bytes reclaimed, {Kept} kept")]
        public static partial void Done(ILogger logger, int removed, long bytes, int kept);

        [LoggerMessage(73, LogLevel.Warning, "image gc failed, tried again after the next deploy: {Error}")]
        public static partial void Failed(ILogger logger, string error);
    }
}
