using Reconciler.Git;

namespace Reconciler.Sops;

/// <summary>
/// The export filter of a stack with an <c>age_key_file</c>: every sops-encrypted file in the
/// stack's folder is written decrypted, mode 0600. Files elsewhere in the repo are written as git
/// holds them (another stack's secrets are its own business). A file that does not decrypt fails
/// the export, which leaves the previous one, and so what runs, as it was.
/// </summary>
public sealed class SopsExportFilter(string stackPath, IReadOnlyList<AgeIdentity> identities) : IExportFilter
{
    private const UnixFileMode PlaintextMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly List<string> _values = [];
    private readonly List<string> _files = [];

    public string Name => "sops";

    /// <summary>What this export decrypted: the values and the files (tree paths).</summary>
    public RenderedSecrets Rendered => new([.. _values], [.. _files], identities[0].DeriveKey("reconciler plan redaction"));

    public FilteredContent? Filter(string treePath, long size, Func<byte[]> read)
    {
        if (!IsInStack(treePath) || size is 0 or > SopsFile.MaxSize) return null;
        var bytes = read();
        if (SopsFile.Detect(treePath, bytes) is not { } format) return null;
        var decrypted = SopsFile.Decrypt(treePath, bytes, format, identities);
        _values.AddRange(decrypted.Secrets);
        _files.Add(treePath);
        return new FilteredContent(decrypted.Content, PlaintextMode);
    }

    private bool IsInStack(string treePath) =>
        stackPath is "." or "" || treePath.StartsWith(stackPath.TrimEnd('/') + "/", StringComparison.Ordinal);
}
