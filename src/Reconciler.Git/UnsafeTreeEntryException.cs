namespace Reconciler.Git;

/// <summary>
/// Thrown by <see cref="TreeExporter"/> before it writes anything for an entry it refuses; the
/// mirror turns it into a <see cref="GitUnsafeTreeException"/> naming the repository.
/// </summary>
internal sealed class UnsafeTreeEntryException(string entryPath, string reason) : Exception(reason)
{
    public string EntryPath { get; } = entryPath;
}
