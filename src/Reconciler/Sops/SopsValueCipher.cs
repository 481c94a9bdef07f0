using System.Text;
using System.Text.RegularExpressions;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Reconciler.Sops;

/// <summary>A decrypted value: its bytes and sops's type tag (str, int, float, bool, bytes, time, comment).</summary>
public sealed record SopsPlainValue(byte[] Bytes, string Type)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>
/// sops's value encoding, <c>ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]</c>: AES-256-GCM with a 32-byte
/// IV (which .NET's AesGcm refuses, hence BouncyCastle's GCM), the value's key path as additional
/// data, so a value moved to another key does not decrypt.
/// </summary>
public static partial class SopsValueCipher
{
    [GeneratedRegex(@"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex Encoded();

    public static bool LooksEncrypted(string value) => Encoded().IsMatch(value);

    /// <param name="where">The file and key path, for messages.</param>
    public static SopsPlainValue Decrypt(string value, byte[] dataKey, string additionalData, string where)
    {
        var m = Encoded().Match(value);
        if (!m.Success) throw new SopsException($"{where}: expected an encrypted value (ENC[AES256_GCM,…]) but found something else; the file was edited by hand or is corrupt");
        byte[] data, iv, tag;
        try
        {
            (data, iv, tag) = (Convert.FromBase64String(m.Groups[1].Value), Convert.FromBase64String(m.Groups[2].Value), Convert.FromBase64String(m.Groups[3].Value));
        }
        catch (FormatException)
        {
            throw new SopsException($"{where}: the encrypted value's data, iv or tag is not base64; the file is corrupt");
        }
        if (tag.Length != 16 || iv.Length == 0) throw new SopsException($"{where}: the encrypted value's iv or tag has the wrong size; the file is corrupt");
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(false, new AeadParameters(new KeyParameter(dataKey), 128, iv, Encoding.UTF8.GetBytes(additionalData)));
        var input = new byte[data.Length + tag.Length];
        data.CopyTo(input, 0);
        tag.CopyTo(input, data.Length);
        var output = new byte[gcm.GetOutputSize(input.Length)];
        try
        {
            var n = gcm.ProcessBytes(input, 0, input.Length, output, 0);
            n += gcm.DoFinal(output, n);
            return new SopsPlainValue(output[..n], m.Groups[4].Value);
        }
        catch (InvalidCipherTextException)
        {
            throw new SopsException($"{where}: the encrypted value does not authenticate (the ciphertext was altered, moved to another key, or belongs to another data key)");
        }
    }
}
