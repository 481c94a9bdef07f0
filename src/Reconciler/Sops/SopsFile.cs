using System.Text;

namespace Reconciler.Sops;

/// <summary>A decrypted file: its plaintext bytes and the values that were encrypted (kept out of plans and labels).</summary>
public sealed record SopsDecrypted(byte[] Content, IReadOnlyList<string> Secrets);

/// <summary>The four formats sops writes, chosen as sops chooses them: by the file's extension.</summary>
public enum SopsFormat { Dotenv, Yaml, Json, Binary }

/// <summary>
/// Recognises sops-encrypted files by their metadata and decrypts them with age identities; no
/// sops binary involved. Everything that can go wrong is a <see cref="SopsException"/> naming the
/// file and, where there is one, the key path.
/// </summary>
public static class SopsFile
{
    /// <summary>Files larger than this are not looked into: no one keeps such secrets in sops.</summary>
    public const int MaxSize = 4 * 1024 * 1024;

    /// <summary>The sops format of the file, or null when it is not a sops-encrypted file.</summary>
    public static SopsFormat? Detect(string fileName, ReadOnlySpan<byte> content)
    {
        if (content.Length is 0 or > MaxSize || content.IndexOf("sops"u8) < 0) return null;
        var text = Encoding.UTF8.GetString(content);
        var name = Path.GetFileName(fileName);
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (extension is ".yaml" or ".yml") return SopsYaml.IsEncrypted(text) ? SopsFormat.Yaml : null;
        if (extension == ".json") return SopsJson.IsEncrypted(text) ? SopsFormat.Json : null;
        if (extension == ".env" || name == ".env" || SopsDotenv.IsEncrypted(text)) return SopsDotenv.IsEncrypted(text) ? SopsFormat.Dotenv : null;
        return SopsJson.IsEncrypted(text) && text.Contains("\"data\"", StringComparison.Ordinal) ? SopsFormat.Binary : null;
    }

    /// <param name="file">The file's name as messages should show it (a path inside the repo).</param>
    public static SopsDecrypted Decrypt(string file, ReadOnlySpan<byte> content, SopsFormat format, IReadOnlyList<AgeIdentity> identities)
    {
        var text = Encoding.UTF8.GetString(content);
        return format switch
        {
            SopsFormat.Dotenv => SopsDotenv.Decrypt(text, identities, file),
            SopsFormat.Yaml => SopsYaml.Decrypt(text, identities, file),
            SopsFormat.Json => SopsJson.Decrypt(text, identities, file, binary: false),
            SopsFormat.Binary => SopsJson.Decrypt(text, identities, file, binary: true),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }
}
