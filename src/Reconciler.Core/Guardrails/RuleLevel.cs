namespace Reconciler.Core.Guardrails;

/// <summary>What a guardrail rule does with a finding: nothing, report it, or refuse the commit.</summary>
public enum RuleLevel { Off, Warn, Deny }

public static class RuleLevels
{
    public static string Name(this RuleLevel level) => level switch
    {
        RuleLevel.Off => "off",
        RuleLevel.Warn => "warn",
        _ => "deny",
    };

    public static bool TryParse(string text, out RuleLevel level)
    {
        (var ok, level) = text switch
        {
            "off" => (true, RuleLevel.Off),
            "warn" => (true, RuleLevel.Warn),
            "deny" => (true, RuleLevel.Deny),
            _ => (false, RuleLevel.Off),
        };
        return ok;
    }
}
