using Reconciler.StatusPage;

namespace Reconciler.Tests.StatusPage;

public sealed class CommitLinksTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    [Theory]
    [InlineData("https://github.com/acme/infra.git", "https://github.com/acme/infra")]
    [InlineData("https://github.com/acme/infra", "https://github.com/acme/infra")]
    [InlineData("https://gitlab.example.com/group/sub/infra.git", "https://gitlab.example.com/group/sub/infra")]
    [InlineData("https://git.example.com:3000/acme/infra.git/", "https://git.example.com:3000/acme/infra")]
    [InlineData("http://gitea.lan:3000/acme/infra", "http://gitea.lan:3000/acme/infra")]
    [InlineData("git@github.com:acme/infra.git", "https://github.com/acme/infra")]
    [InlineData("github.com:acme/infra", "https://github.com/acme/infra")]
    [InlineData("ssh://git@git.example.com:2222/acme/infra.git", "https://git.example.com/acme/infra")]
    [InlineData("git+ssh://git@git.example.com/acme/infra.git", "https://git.example.com/acme/infra")]
    public void A_forge_url_links_to_the_commit_page_of_its_repository(string url, string page)
    {
        Assert.Equal($"{page}/commit/{Sha}", CommitLinks.For(url, Sha));
    }

    [Theory]
    [InlineData("/srv/git/infra.git")]
    [InlineData("file:///srv/git/infra.git")]
    [InlineData("./infra:repo")]
    [InlineData(".")]
    [InlineData("https://github.com/infra")]
    [InlineData("git://git.example.com/acme/infra.git")]
    [InlineData("https://github.com/acme/in fra")]
    [InlineData("https://evil.example/acme/\"><script>x</script>")]
    [InlineData("javascript:alert(1)//github.com/a/b")]
    public void A_url_that_names_no_forge_page_gets_no_link(string url)
    {
        Assert.Null(CommitLinks.For(url, Sha));
    }

    [Theory]
    [InlineData("https://deployer:s3cr3t-token@github.com/acme/infra.git")]
    [InlineData("https://ghp_tokenInTheUserName@github.com/acme/infra.git")]
    [InlineData("ssh://deployer:s3cr3t-token@github.com/acme/infra.git")]
    public void Credentials_in_the_url_never_reach_the_link(string url)
    {
        var link = CommitLinks.For(url, Sha);

        Assert.Equal($"https://github.com/acme/infra/commit/{Sha}", link);
    }

    [Theory]
    [InlineData("")]
    [InlineData("main")]
    [InlineData("abc\"onmouseover")]
    public void Only_a_hex_sha_is_linked(string sha)
    {
        Assert.Null(CommitLinks.For("https://github.com/acme/infra.git", sha));
    }
}
