namespace Reconciler.StatusPage;

/// <summary>
/// Takes values out of a plan before it is served: each occurrence of a value becomes
/// <c>(pass_env NAME)</c>. Longest first, so a value holding another is masked whole; values shorter
/// than four characters are left alone (they would match inside unrelated text).
/// </summary>
public static class PlanRedaction
{
    private const int MinLength = 4;

    public static string Mask(string text, IReadOnlyList<(string Name, string Value)> values)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (name, value) in values.Where(v => v.Value.Length >= MinLength).OrderByDescending(v => v.Value.Length))
            text = text.Replace(value, $"(pass_env {name})", StringComparison.Ordinal);
        return text;
    }
}
