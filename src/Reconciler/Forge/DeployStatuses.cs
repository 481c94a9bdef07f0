using Reconciler.Core.Policy;

namespace Reconciler.Forge;

/// <summary>
/// The deploy status a finished pass sets on its commit, under <c>reconciler/HOST/STACK</c>: pure,
/// from what the pass returned.
/// <list type="bullet">
/// <item>Applied (the gate passed): success, "deployed on HOST".</item>
/// <item>In sync: success, "in sync on HOST" (a commit that changed nothing of the stack).</item>
/// <item>Failed: failure with the reason, "rolled back to abc1234" first when it was; a pass that
/// only holds the last good commit or repeats a recorded failure sets nothing.</item>
/// </list>
/// The pending status comes earlier, when the deploy starts changing the host.
/// </summary>
public static class DeployStatuses
{
    public static string Context(string host, string stack) => $"reconciler/{host}/{stack}";

    public static CommitStatus Pending(string host, string stack) =>
        CommitStatus.Of(Context(host, stack), CommitState.Pending, $"deploying on {host}");

    public static CommitStatus? For(StackPassResult result, string host) => result switch
    {
        { Commit: null } => null,
        { Outcome: PassOutcome.Applied } => CommitStatus.Of(Context(host, result.Stack), CommitState.Success, $"deployed on {host}"),
        { Outcome: PassOutcome.Noop } => CommitStatus.Of(Context(host, result.Stack), CommitState.Success, $"in sync on {host}"),
        { Outcome: PassOutcome.Failed, Held: false, Repeated: false } => CommitStatus.Of(Context(host, result.Stack), CommitState.Failure,
            result.RolledBack
                ? $"rolled back to {Short(result.RolledBackTo)} on {host}: {result.Error}"
                : $"failed on {host}: {result.Error ?? "no reason given"}"),
        _ => null,
    };

    private static string Short(string? sha) => sha is { Length: > 7 } s ? s[..7] : sha ?? "the last good commit";
}
