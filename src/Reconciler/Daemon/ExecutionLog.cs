using Microsoft.Extensions.Logging;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;

namespace Reconciler.Daemon;

/// <summary>One log line per executed action, with stack, service and commit; a build's output line by line as it comes.</summary>
internal sealed partial class ExecutionLog(ILogger logger, string stack, string commit) : IExecutionObserver
{
    public void Finished(ActionOutcome o)
    {
        if (o.Result == ActionResult.Done) ActionDone(logger, stack, o.Action.Service ?? "-", commit, Describe(o.Action), o.Action.Reason, o.Duration.TotalMilliseconds);
        else ActionFailed(logger, stack, o.Action.Service ?? "-", commit, Describe(o.Action), o.Error ?? "");
    }

    public void Progress(PlanAction action, string message)
    {
        if (action is BuildImage build) BuildOutput(logger, stack, string.Join(',', build.Services), commit, build.Image, message);
    }

    private static string Describe(PlanAction a) => a.Describe();

    [LoggerMessage(3, LogLevel.Information, "stack={Stack} service={Service} commit={Commit} build {Image}: {Line}")]
    private static partial void BuildOutput(ILogger logger, string stack, string service, string commit, string image, string line);

    [LoggerMessage(1, LogLevel.Information, "stack={Stack} service={Service} commit={Commit} action=\"{Action}\" reason=\"{Reason}\" took_ms={Millis:0}")]
    private static partial void ActionDone(ILogger logger, string stack, string service, string commit, string action, string reason, double millis);

    [LoggerMessage(2, LogLevel.Error, "stack={Stack} service={Service} commit={Commit} action=\"{Action}\" failed: {Error}")]
    private static partial void ActionFailed(ILogger logger, string stack, string service, string commit, string action, string error);
}
