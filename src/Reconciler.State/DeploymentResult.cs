namespace Reconciler.State;

/// <summary>How a deployment ended.</summary>
public enum DeploymentResult
{
    /// <summary>Changes were made and the stack reached the commit.</summary>
    Applied,
    /// <summary>The stack already matched the commit: nothing to do.</summary>
    Noop,
    /// <summary>The deployment failed and the stack was left as the failure left it.</summary>
    Failed,
    /// <summary>The deployment failed and the stack was returned to its last good commit's images.</summary>
    RolledBack,
}
