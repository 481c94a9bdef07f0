namespace Reconciler.Core.Compose.Environment;

/// <summary>
/// How many characters interpolation may produce: per value, and in total over everything that
/// shares the budget (one load: the project's files and every env file). Without it a few lines
/// that reference each other (<c>B=$A$A</c>, <c>C=$B$B</c>…) double their way to gigabytes.
/// Characters produced and then dropped (the unused argument of <c>${A:-…}</c>) count too: they
/// cost the same work.
/// </summary>
public sealed class ExpansionBudget
{
    public ExpansionBudget(long maxValueLength, long maxTotalLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValueLength);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTotalLength);
        MaxValueLength = maxValueLength;
        MaxTotalLength = maxTotalLength;
    }

    /// <summary>The longest value one interpolation may produce (<c>limits.max_value_size</c>).</summary>
    public long MaxValueLength { get; }

    /// <summary>What all interpolations sharing the budget may produce together (<c>limits.max_expanded_size</c>).</summary>
    public long MaxTotalLength { get; }

    /// <summary>Characters produced so far.</summary>
    public long Spent { get; private set; }

    /// <summary>What the next value may produce, and which limit that is.</summary>
    internal (long Allowance, bool TotalBinds) Next()
    {
        var left = Math.Max(0, MaxTotalLength - Spent);
        return left < MaxValueLength ? (left, true) : (MaxValueLength, false);
    }

    internal void Spend(long produced) => Spent += produced;
}
