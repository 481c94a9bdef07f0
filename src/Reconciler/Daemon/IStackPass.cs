using Reconciler.Core.Policy;
using Reconciler.Configuration;

namespace Reconciler.Daemon;

/// <summary>
/// One reconcile pass of a stack, as the stack's loop (<see cref="StackWorker"/>) sees it: the seam
/// where the loop's timing (drift ticks, coalescing, retries) is tested without an engine.
/// </summary>
public interface IStackPass
{
    StackConfig Stack { get; }

    /// <summary>Runs one pass; never throws but for cancellation (a bug is still caught by the loop).</summary>
    Task<StackPassResult> ReconcileAsync(Trigger trigger, CancellationToken ct);
}
