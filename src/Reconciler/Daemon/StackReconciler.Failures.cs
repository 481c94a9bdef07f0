using Reconciler.Core.Planning;
using Reconciler.Core.Policy;
using Reconciler.Docker.Execution;

namespace Reconciler.Daemon;

/// <summary>Whose a failed execution is, decided once from the failures' kinds (never their text).</summary>
public sealed partial class StackReconciler
{
    /// <summary>
    /// An image the registry does not have is the commit's own fault: no retry cures it (the pull
    /// comes before any container is touched, so what runs keeps running). So is a build the builder
    /// failed (a broken Dockerfile, a failing RUN): every container action waits for the builds. A host port held by a
    /// container of another project, or by a process, blocks the commit until its owner frees it.
    /// Anything else (engine, registry down, a container gone meanwhile) may pass by itself.
    /// Also returns notes naming who holds the ports, for the error.
    /// </summary>
    private async Task<(FailureCause Cause, IReadOnlyList<string> Notes)> FailureOfAsync(ExecutionResult outcome, CancellationToken ct)
    {
        var failures = outcome.Failures.Where(f => f.Failure is not null).Select(f => (f.Action, Failure: f.Failure!)).ToList();
        if (failures.Any(f => (f.Action is PullImage && f.Failure.Kind == ActionFailureKind.ImageNotFound)
                || (f.Action is BuildImage && f.Failure.Kind == ActionFailureKind.BuildFailed)))
            return (FailureCause.CommitsFault, []);
        var ports = failures.Where(f => f.Failure.Kind == ActionFailureKind.PortInUse).SelectMany(f => f.Failure.Ports).Distinct().ToList();
        if (ports.Count == 0) return (FailureCause.Transient, []);
        var (notes, foreign) = await PortHoldersAsync(ports, ct).ConfigureAwait(false);
        return (foreign ? FailureCause.BlockedByForeign : FailureCause.Transient, notes);
    }

    /// <summary>
    /// "port is already allocated" does not say by whom: name the containers publishing the ports, so
    /// a squatter can be found (and removed by its owner; Reconciler never touches it). A port no
    /// container publishes is held by a process on the host: foreign as well.
    /// </summary>
    private async Task<(IReadOnlyList<string> Notes, bool Foreign)> PortHoldersAsync(IReadOnlyList<int> ports, CancellationToken ct)
    {
        var notes = new List<string>();
        var foreign = false;
        foreach (var port in ports)
        {
            try
            {
                var holders = await engine.ContainersPublishingAsync(port, ct).ConfigureAwait(false);
                foreign |= holders.Count == 0 || holders.Any(h => h.Project != stack.ProjectName);
                if (holders.Count == 0) continue;
                notes.Add(FormattableString.Invariant($"host port {port} is held by ") + string.Join(", ", holders.Select(h =>
                    $"container {h.Name} ({(h.Project == stack.ProjectName ? "of this stack" : "not managed by this stack")})")));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Naming the holder is a courtesy: the error stands without it.
            }
        }
        return (notes, foreign);
    }
}
