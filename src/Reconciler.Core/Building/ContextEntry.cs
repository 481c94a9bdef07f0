namespace Reconciler.Core.Building;

public enum ContextEntryKind { Directory, File, SymbolicLink }

/// <summary>
/// One entry of a build context as git would have it: a path relative to the context (with <c>/</c>),
/// its kind, whether a file is executable, and its content's SHA-256 (files) or target (links).
/// Owner, times and other mode bits are not part of it: git does not keep them, so they do not
/// make a rebuild.
/// </summary>
public sealed record ContextEntry(string Path, ContextEntryKind Kind, bool Executable = false, string? ContentSha256 = null, string? LinkTarget = null);
