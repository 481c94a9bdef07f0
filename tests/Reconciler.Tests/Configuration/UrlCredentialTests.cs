using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

public sealed class UrlCredentialTests
{
    private static IReadOnlyList<ConfigError> Parse(string url) =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            repos:
              - name: infra
                url: "{url}"
            """, "/etc/reconciler/config.yaml").Errors;

    [Theory]
    [InlineData("https://deploy:ghp_Secret123@github.com/acme/infra.git", "ghp_Secret123")]
    [InlineData("https://ghp_Secret123@github.com/acme/infra.git", "ghp_Secret123")]
    [InlineData("http://deploy:Secret123@git.example.test:3000/acme/infra.git", "Secret123")]
    [InlineData("ssh://git:Secret123@git.example.test/acme/infra.git", "Secret123")]
    [InlineData("git:Secret123@git.example.test:acme/infra.git", "Secret123")]
    public void Credentials_in_a_url_are_refused_pointing_at_password_file_without_repeating_them(string url, string secret)
    {
        var error = Assert.Single(Parse(url));

        Assert.Equal("repos[0].url", error.KeyPath);
        Assert.Contains("auth.password_file", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://github.com/acme/infra.git")]
    [InlineData("ssh://git@git.example.test:2222/acme/infra.git")]
    [InlineData("git@github.com:acme/infra.git")]
    [InlineData("/srv/git/infra.git")]
    [InlineData("file:///srv/git/infra.git")]
    [InlineData("https://github.com/acme/infra@v2.git")]
    public void A_url_without_credentials_is_accepted(string url)
    {
        Assert.Empty(Parse(url));
    }
}
