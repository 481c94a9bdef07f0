using System.Text;
using Reconciler.Sops;
using Reconciler.Tests.Observability;

namespace Reconciler.Tests.Sops;

/// <summary>
/// The decryptor against files written by the real sops (its repository's example and functional
/// test files, with an age copy of their data key added: testdata/README.md says how), and against
/// bad inputs, each of which must give one clear error.
/// </summary>
public sealed class SopsFileTests
{
    private static string Data(string name) => Path.Combine(Tools.RepoRoot, "tests", "Reconciler.Tests", "Sops", "testdata", name);

    private static IReadOnlyList<AgeIdentity> Key => AgeIdentity.ReadFile(Data("age-key.txt"));

    private static string DecryptText(string name, byte[]? content = null)
    {
        var bytes = content ?? File.ReadAllBytes(Data(name));
        var format = SopsFile.Detect(name, bytes) ?? throw new Xunit.Sdk.XunitException($"{name} not detected as sops");
        return Encoding.UTF8.GetString(SopsFile.Decrypt(name, bytes, format, Key).Content);
    }

    private static SopsException Fails(string name, string content, IReadOnlyList<AgeIdentity>? key = null)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var format = SopsFile.Detect(name, bytes) ?? throw new Xunit.Sdk.XunitException($"{name} not detected as sops");
        return Assert.Throws<SopsException>(() => SopsFile.Decrypt(name, bytes, format, key ?? Key));
    }

    [Fact]
    public void Decrypts_the_age_vector_from_sops_own_tests()
    {
        // age/keysource_test.go: mockEncryptedKey decrypts to "data" with mockIdentity.
        const string encrypted = """
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBvY2t2NkdLUGRvY3l2OGNy
            MVJWcUhCOEZrUG8yeCtnRnhxL0I5NFk4YjJFCmE4SVQ3MEdyZkFqRWpSa2F0NVhF
            VDUybzBxdS9nSGpHSVRVMUI0UEVqZkkKLS0tIGJjeGhNQ0Y5L2VZRVVYSm90djFF
            bzdnQ3UwTGljMmtrbWNMV1MxYkFzUFUK4xjOZOTGdcbzuwUY/zeBXhcF+Md3e5PQ
            EylloI7MNGbadPGb
            -----END AGE ENCRYPTED FILE-----
            """;
        Assert.Equal("data", Encoding.UTF8.GetString(AgeFile.Decrypt(encrypted, Key, "vector")));
        Assert.Equal("age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun", Key[0].Recipient);
    }

    [Fact]
    public void Decrypts_a_sops_written_dotenv_file_and_checks_its_mac()
    {
        var text = DecryptText("format.enc.env");
        Assert.DoesNotContain("ENC[", text);
        Assert.DoesNotContain("sops_", text);
        Assert.Equal("foo = bar\n", text); // sops splits at the first =: key "foo ", value " bar"
    }

    [Fact]
    public void Decrypts_sops_example_yaml_with_nesting_lists_numbers_booleans_and_comments()
    {
        var text = DecryptText("example.yaml");
        Assert.DoesNotContain("ENC[", text);
        Assert.DoesNotContain("sops:", text);
        Assert.Contains("myapp1: \"t00m4nys3cr3tzupdated\"", text);
        Assert.Contains("user: \"eve\"", text);
        Assert.Contains("number: 1234568000", text);
        Assert.Contains("value: \"with something secret in it\"", text);
        Assert.Contains("- true", text);
        Assert.Contains("remain in clear text", text); // _unencrypted values stay, and are part of the MAC
    }

    [Theory]
    [InlineData("format.enc.yaml")]
    [InlineData("comments.yaml")]
    [InlineData("format.enc.json")]
    public void Decrypts_sops_functional_test_files(string name)
    {
        var text = DecryptText(name);
        Assert.DoesNotContain("ENC[", text);
        Assert.DoesNotContain("lastmodified", text);
    }

    [Fact]
    public void Decrypts_sops_example_json_keeping_types()
    {
        var text = DecryptText("example.json");
        Assert.Contains("\"firstName\": \"John\"", text);
        Assert.Contains("\"age\": 25.4", text);
        Assert.DoesNotContain("ENC[", text);
        Assert.DoesNotContain("\"sops\"", text);
    }

    [Fact]
    public void Decrypts_a_sops_binary_file_to_its_raw_bytes()
    {
        var bytes = File.ReadAllBytes(Data("example.bin"));
        Assert.Equal(SopsFormat.Binary, SopsFile.Detect("example.bin", bytes));
        var text = DecryptText("example.bin");
        Assert.DoesNotContain("ENC[", text);
        Assert.StartsWith("Welcome to SOPS!", text);
    }

    [Fact]
    public void Plain_files_are_not_taken_for_sops_files()
    {
        Assert.Null(SopsFile.Detect("compose.yaml", "services:\n  web:\n    image: x # sops: no\n"u8));
        Assert.Null(SopsFile.Detect(".env", "SOPS=1\nsops_thing=2\n"u8));
        Assert.Null(SopsFile.Detect("config.json", "{\"sops\": 1}"u8));
    }

    [Fact]
    public void A_key_file_without_the_recipient_names_both_sides()
    {
        var e = Fails("format.enc.env", File.ReadAllText(Data("format.enc.env")), AgeIdentity.ReadFile(Data("other-age-key.txt")));
        Assert.Contains("none of its age recipients (age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun)", e.Message);
        Assert.Contains("re-encrypt the file for this host's recipient", e.Message);
        Assert.True(e.CommitsFault);
    }

    [Fact]
    public void A_missing_key_file_is_the_host_s_fault_not_the_commit_s()
    {
        var e = Assert.Throws<SopsException>(() => AgeIdentity.ReadFile("/nonexistent/age.txt"));
        Assert.Contains("age_key_file /nonexistent/age.txt cannot be read", e.Message);
        Assert.False(e.CommitsFault);
    }

    [Fact]
    public void A_key_file_with_a_mangled_key_names_the_line_but_never_echoes_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"age-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "# comment\nAGE-SECRET-KEY-1G0Q5K9TV4REQ3ZSQRMTMG8NSWQGYT0T7TZ33RAZEE0GZYVZN0APSU24RK8\n");
        try
        {
            var e = Assert.Throws<SopsException>(() => AgeIdentity.ReadFile(path));
            Assert.Contains("line 2: not an age secret key", e.Message);
            Assert.DoesNotContain("G0Q5K9", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Corrupt_metadata_without_a_mac_is_refused()
    {
        var text = string.Join('\n', File.ReadAllLines(Data("format.enc.env")).Where(l => !l.StartsWith("sops_mac=", StringComparison.Ordinal)));
        var e = Fails("secrets.env", text);
        Assert.Contains("sops.mac is missing", e.Message);
    }

    [Fact]
    public void A_file_encrypted_only_for_pgp_says_so()
    {
        var text = string.Join('\n', File.ReadAllLines(Data("format.enc.env")).Where(l => !l.StartsWith("sops_age", StringComparison.Ordinal)));
        var e = Fails("secrets.env", text);
        Assert.Contains("is not encrypted for any age recipient (only pgp)", e.Message);
    }

    [Fact]
    public void An_altered_ciphertext_does_not_authenticate()
    {
        var text = File.ReadAllText(Data("format.enc.yaml"));
        var tampered = text.Replace("data:8CvE,", "data:8CvF,", StringComparison.Ordinal);
        Assert.NotEqual(text, tampered);
        var e = Fails("format.enc.yaml", tampered);
        Assert.Contains("format.enc.yaml: foo: the encrypted value does not authenticate", e.Message);
    }

    [Fact]
    public void A_removed_value_fails_the_mac()
    {
        var lines = File.ReadAllLines(Data("example.yaml")).Where(l => !l.StartsWith("number:", StringComparison.Ordinal));
        var e = Fails("example.yaml", string.Join('\n', lines));
        Assert.Contains("MAC mismatch", e.Message);
    }

    [Fact]
    public void A_changed_clear_value_fails_the_mac()
    {
        var text = File.ReadAllText(Data("example.yaml")).Replace("remain in clear text", "remain in clear text!", StringComparison.Ordinal);
        Assert.Contains("MAC mismatch", Fails("example.yaml", text).Message);
    }

    [Fact]
    public void A_value_moved_to_another_key_does_not_decrypt()
    {
        var text = File.ReadAllText(Data("format.enc.env")).Replace("foo =", "bar =", StringComparison.Ordinal);
        Assert.Contains("secrets.env: bar : the encrypted value does not authenticate", Fails("secrets.env", text).Message);
    }

    [Fact]
    public void An_altered_wrapped_data_key_is_refused()
    {
        var text = File.ReadAllText(Data("format.enc.json"));
        var start = text.IndexOf("BEGIN AGE ENCRYPTED FILE-----\\n", StringComparison.Ordinal) + 40;
        var chars = text.ToCharArray();
        chars[start] = chars[start] == 'A' ? 'B' : 'A';
        var e = Fails("format.enc.json", new string(chars));
        Assert.Contains("the data key for age1lzd99", e.Message);
    }

    [Fact]
    public void Errors_never_carry_plaintext()
    {
        var text = File.ReadAllText(Data("example.yaml")).Replace("remain in clear text", "x", StringComparison.Ordinal);
        var e = Fails("example.yaml", text);
        Assert.DoesNotContain("t00m4nys3cr3tz", e.Message);
        Assert.DoesNotContain("eve", e.Message);
    }
}
