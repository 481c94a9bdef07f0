namespace Reconciler.State;

/// <summary>What started a deployment.</summary>
public enum DeploymentTrigger
{
    /// <summary>The periodic check of the repository found a new commit.</summary>
    Poll,
    /// <summary>A push webhook arrived.</summary>
    Webhook,
    /// <summary>The live containers drifted from the applied commit.</summary>
    Drift,
    /// <summary>The daemon started and brought every stack to its commit.</summary>
    Startup,
    /// <summary>Someone ran <c>reconciler sync</c> (or <c>apply</c>).</summary>
    Manual,
}
