using System.Security.Cryptography;
using System.Text;

namespace Reconciler.TestSupport;

/// <summary>
/// Writes sops dotenv files for tests where the sops binary is not installed (Debian does not
/// package it): an encoder independent of the daemon's decryptor. The data key is wrapped by the
/// real <c>age</c> binary; values are AES-256-GCM from .NET's AesGcm with a 12-byte IV (sops reads
/// any IV length; it writes 32 bytes, which the daemon's decryptor is tested on with sops's own files);
/// the MAC is sops's: SHA-512 over the values in order, hex, encrypted with lastmodified as AAD.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class SopsTestEncoder
{
    /// <summary>A new age identity in <paramref name="path"/> (0600); returns its recipient.</summary>
    public static string NewAgeKey(string path)
    {
        var result = ProcessRunner.Run("age-keygen", ["-o", path], timeout: TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0) throw new InvalidOperationException($"age-keygen failed: {result.Stderr}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var line = File.ReadAllLines(path).First(l => l.StartsWith("# public key: ", StringComparison.Ordinal));
        return line["# public key: ".Length..].Trim();
    }

    /// <summary>A sops dotenv file holding <paramref name="values"/>, encrypted for <paramref name="recipient"/>.</summary>
    public static string Dotenv(IReadOnlyList<(string Key, string Value)> values, string recipient)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var lastModified = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        using var mac = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        foreach (var (key, value) in values)
        {
            sb.Append(key).Append('=').Append(Encrypt(value, dataKey, key + ":", "str")).Append('\n');
            mac.AppendData(Encoding.UTF8.GetBytes(value));
        }
        var wrapped = ProcessRunner.Run("age", ["-a", "-r", recipient], stdinBytes: dataKey, timeout: TimeSpan.FromSeconds(30));
        if (wrapped.ExitCode != 0) throw new InvalidOperationException($"age failed: {wrapped.Stderr}");
        sb.Append("sops_age__list_0__map_enc=").Append(wrapped.Stdout.Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        sb.Append("sops_age__list_0__map_recipient=").Append(recipient).Append('\n');
        sb.Append("sops_lastmodified=").Append(lastModified).Append('\n');
        sb.Append("sops_mac=").Append(Encrypt(Convert.ToHexString(mac.GetHashAndReset()), dataKey, lastModified, "str")).Append('\n');
        sb.Append("sops_unencrypted_suffix=_unencrypted\n");
        sb.Append("sops_version=3.10.2\n");
        return sb.ToString();
    }

    private static string Encrypt(string value, byte[] key, string aad, string type)
    {
        var iv = RandomNumberGenerator.GetBytes(12);
        var plain = Encoding.UTF8.GetBytes(value);
        var data = new byte[plain.Length];
        var tag = new byte[16];
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(iv, plain, data, tag, Encoding.UTF8.GetBytes(aad));
        return $"ENC[AES256_GCM,data:{Convert.ToBase64String(data)},iv:{Convert.ToBase64String(iv)},tag:{Convert.ToBase64String(tag)},type:{type}]";
    }
}
