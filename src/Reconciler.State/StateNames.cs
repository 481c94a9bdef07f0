namespace Reconciler.State;

/// <summary>
/// The names results and triggers have in the database, for everything that prints them (CLI,
/// logs): one spelling everywhere (<c>rolled_back</c>, never a lower-cased C# member name).
/// </summary>
public static class StateNames
{
    public static string Name(this DeploymentResult result) => StateText.Result(result);

    public static string Name(this DeploymentTrigger trigger) => StateText.Trigger(trigger);
}
