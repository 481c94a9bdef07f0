namespace Reconciler.Daemon;

/// <summary>
/// Runs CPU-bound work over untrusted input (loading a commit's compose files) on a dedicated thread
/// with a large stack. The loader's limits bound its recursion; this is the second wall: a stack
/// overflow cannot be caught in .NET and would abort the daemon before the commit is recorded as
/// failed, so every restart would crash on it again.
/// </summary>
public static class LargeStackThread
{
    /// <summary>256 MiB of address space, committed only as it is used.</summary>
    public const int StackBytes = 256 * 1024 * 1024;

    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                // Any exception (even OutOfMemoryException) goes back to the caller: one escaping a
                // thread of our own would end the process.
                done.SetException(e);
            }
        }, StackBytes)
        {
            IsBackground = true,
            Name = "reconciler-load",
        };
        thread.Start();
        return done.Task;
    }
}
