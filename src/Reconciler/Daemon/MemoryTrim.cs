using Microsoft.Extensions.Logging;
using Reconciler.Core.Policy;

namespace Reconciler.Daemon;

/// <summary>
/// Gives memory back once a burst of work is over: when every stack has passed once and no pass
/// applied anything for <see cref="Settle"/>, a full compacting collection returns the heap a deploy
/// grew (the small gen0 budget keeps steady state lean, but what a deploy promoted waits for a gen2
/// collection that a quiet daemon rarely needs), glibc gives back what the native libraries freed,
/// and, the first time only, the native binary's start-up pages go (<see cref="StartupPages"/>).
/// In sync, nothing runs: passes that change nothing do not start a trim.
/// </summary>
public sealed partial class MemoryTrim(DaemonStatus status, ActiveStacks active, TimeProvider time, ILogger logger)
{
    /// <summary>How long no pass may have applied anything before the trim: the drift passes that follow a deploy are done by then.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    /// <summary>Start-up counts as settled after this even when a stack never finished a pass (its repo unreachable, say).</summary>
    public static readonly TimeSpan StartupLimit = TimeSpan.FromMinutes(5);

    /// <summary>Off with <c>RECONCILER_MEMORY_TRIM=0</c> (to compare, or should the kernel's advice ever misbehave).</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("RECONCILER_MEMORY_TRIM") is not ("0" or "false" or "off");

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    private long _lastAppliedTicks = time.GetUtcNow().UtcTicks;
    private volatile bool _pending = true;
    private bool _pagesReleased;

    /// <summary>Number of trims run (tests, logs).</summary>
    public int Trims { get; private set; }

    /// <summary>Feeds the trim with every finished pass (subscribe to <see cref="DaemonStatus.PassCompleted"/>).</summary>
    public void Observe(StackPassResult result)
    {
        if (result.Outcome != PassOutcome.Applied) return;
        Interlocked.Exchange(ref _lastAppliedTicks, time.GetUtcNow().UtcTicks);
        _pending = true;
    }

    /// <summary>Runs until cancelled; <paramref name="releasePages"/> only where the code is the native binary's (not JIT-compiled in the heap).</summary>
    public async Task RunAsync(bool releasePages, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(Tick, time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            // Reading /proc or calling into libc can fail in a confined unit; memory then stays, the daemon goes on.
            try
            {
                if (!TryTrim(releasePages)) CollectIfOverdue();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
            {
                Log.Failed(logger, e.Message);
            }
        }
    }

    /// <summary>
    /// Passes of stacks in sync leave a little garbage that lives just long enough to be promoted,
    /// and the GC of a daemon this quiet rarely collects its oldest generation: the heap crept up by
    /// a few MiB in ten minutes (bench/cache). A full collection of a heap this size costs a few
    /// milliseconds; run one when the heap outgrew what the last full one left by <see cref="Overdue"/>.
    /// </summary>
    private void CollectIfOverdue()
    {
        var afterFull = GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes;
        var now = GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes;
        if (afterFull > 0 && Overdue(now, afterFull)) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>The heap after the latest collection is over the one after the latest full one by an eighth, and at least 2 MiB.</summary>
    public static bool Overdue(long heapNow, long heapAfterFull) => heapNow > heapAfterFull + Math.Max(2L << 20, heapAfterFull / 8);

    /// <summary>Trims if a burst of work (or start-up) is over and not trimmed yet; true when it did.</summary>
    public bool TryTrim(bool releasePages)
    {
        if (!_pending || !Settled()) return false;
        _pending = false;
        var before = Environment.WorkingSet;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ReleaseNativeHeap();
        if (releasePages && !_pagesReleased)
        {
            _pagesReleased = true;
            var released = StartupPages.Release(AppContext.BaseDirectory);
            Log.PagesReleased(logger, released.Files.Count, released.MappedBytes >> 20, released.Refused);
        }
        Trims++;
        Log.Trimmed(logger, before >> 20, Environment.WorkingSet >> 20);
        return true;
    }

    /// <summary>
    /// What libgit2, sqlite and OpenSSL freed during the burst stays in glibc's arenas until trimmed;
    /// a C library without <c>malloc_trim</c> (musl) simply keeps it.
    /// </summary>
    private static void ReleaseNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { Native.MallocTrim(0); }
        catch (EntryPointNotFoundException) { }
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
        public static extern int MallocTrim(nuint pad);
    }

    private bool Settled()
    {
        var now = time.GetUtcNow();
        if (now - new DateTimeOffset(Interlocked.Read(ref _lastAppliedTicks), TimeSpan.Zero) < Settle) return false;
        if (now - status.StartedAt >= StartupLimit) return true;
        var passed = status.Stacks;
        return status.Readiness().Ready && active.Current.All(s => passed.ContainsKey(s.Name));
    }

    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Debug, "memory trimmed after a burst of work: resident {Before} MiB -> {After} MiB")]
        public static partial void Trimmed(ILogger logger, long before, long after);

        [LoggerMessage(121, LogLevel.Debug, "start-up pages of {Files} files released ({Mapped} MiB mapped, {Refused} calls refused)")]
        public static partial void PagesReleased(ILogger logger, int files, long mapped, int refused);

        [LoggerMessage(122, LogLevel.Warning, "memory trim failed, memory stays resident: {Error}")]
        public static partial void Failed(ILogger logger, string error);
    }
}
