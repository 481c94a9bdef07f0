using System.Collections.Immutable;
using Docker.DotNet.Models;
using Reconciler.Core.Building;
using Reconciler.Docker.Building;
using Reconciler.Docker.Execution;

namespace Reconciler.Docker.Tests.Building;

/// <summary>Builds on the real engine's builder, from busybox-based test images (offline: the local registry).</summary>
[Collection(EngineCollection.Name)]
public sealed class ImageBuildTests(EngineFixture fx)
{
    private const string Base = EngineFixture.Image10;

    /// <summary>A context folder with these files (relative path → content), and a project whose images are removed at the end.</summary>
    private (string Dir, string Project) Context(params (string Path, string Content)[] files)
    {
        var dir = fx.NewTempDir();
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        return (dir, fx.NewProject());
    }

    private static BuildSpec Spec(string dir, string project, string? inline = null) => new()
    {
        Context = dir,
        Dockerfile = inline is null ? Path.Combine(dir, "Dockerfile") : null,
        DockerfileInline = inline,
        Labels = ImmutableSortedDictionary<string, string>.Empty.Add(EngineFixture.ProjectLabel, project),
    };

    private async Task<Core.Observed.ObservedImage> BuildAsync(BuildSpec spec, string tag, List<string>? lines = null)
    {
        spec = spec with { Digest = BuildContext.Read(spec).Digest };
        return await fx.Engine.Images.BuildAsync(spec, [tag], spec.Labels.SetItem(BuildLabels.Digest, spec.Digest), new SyncProgress(l => lines?.Add(l)));
    }

    /// <summary>Runs <paramref name="script"/> in a container of the image; its exit code.</summary>
    private async Task<long> RunAsync(string image, string project, string script)
    {
        var created = await fx.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Name = $"{project}-check",
            Cmd = ["sh", "-c", script],
            Labels = new Dictionary<string, string> { [EngineFixture.ProjectLabel] = project },
        });
        await fx.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        var exit = await fx.Client.Containers.WaitContainerAsync(created.ID);
        return exit.StatusCode;
    }

    [Fact]
    public async Task A_context_with_COPY_RUN_and_args_builds_tagged_and_labelled_with_its_digest_and_its_output_is_streamed()
    {
        var (dir, project) = Context(
            ("Dockerfile", $"FROM {Base}\nARG GREETING\nCOPY hello.txt /hello.txt\nRUN echo \"$GREETING\" > /greeting\n"),
            ("hello.txt", "hello\n"));
        var spec = Spec(dir, project) with { Args = ImmutableSortedDictionary<string, string>.Empty.Add("GREETING", "hi") };
        var tag = $"{project}-web";
        var lines = new List<string>();

        var image = await BuildAsync(spec, tag, lines);

        Assert.Contains($"{tag}:latest", image.RepoTags);
        var labels = (await fx.Client.Images.InspectImageAsync(image.Id)).Config?.Labels ?? new Dictionary<string, string>();
        Assert.Equal(BuildContext.Read(spec).Digest, labels[BuildLabels.Digest]);
        Assert.Equal(project, labels[EngineFixture.ProjectLabel]);
        // The labels come as one more step of the legacy builder: "Step 1/6 : FROM …".
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Step 1/\d+ : FROM "));
        Assert.Equal(0, await RunAsync(tag, project, "test \"$(cat /greeting)\" = hi && test \"$(cat /hello.txt)\" = hello"));

        // The list call the planner observes through carries the digest label.
        var observed = await fx.Engine.State.ReadAsync(project, []);
        Assert.Equal(BuildContext.Read(spec).Digest, observed.BuildDigests[image.Id]);
    }

    [Fact]
    public async Task Dockerignore_is_honoured_and_an_inline_Dockerfile_is_not_copied_with_the_context()
    {
        var (dir, project) = Context(
            (".dockerignore", "ignored.txt\nlogs/\n"),
            ("kept.txt", "kept"),
            ("ignored.txt", "ignored"),
            ("logs/app.log", "log"));
        var spec = Spec(dir, project, inline: $"FROM {Base}\nCOPY . /ctx/\n");
        var tag = $"{project}-inline";

        var context = BuildContext.Read(spec);
        Assert.Equal([".dockerignore", "kept.txt"], context.Entries.Select(e => e.Path));
        await BuildAsync(spec, tag);

        Assert.Equal(0, await RunAsync(tag, project,
            $"test -f /ctx/kept.txt && ! test -e /ctx/ignored.txt && ! test -e /ctx/logs && ! test -e /ctx/{BuildContext.AddedDockerfileName}"));
    }

    [Fact]
    public async Task A_RUN_that_fails_is_a_build_failure_with_the_builders_message()
    {
        var (dir, project) = Context(("Dockerfile", $"FROM {Base}\nRUN echo about to fail && exit 3\n"));

        var e = await Assert.ThrowsAsync<ImageBuildException>(() => BuildAsync(Spec(dir, project), $"{project}-broken"));

        Assert.Contains("returned a non-zero code: 3", e.Message);
        Assert.Contains($"{project}-broken", e.Message);
        Assert.False(e.Transient);
        Assert.Equal(ActionFailureKind.BuildFailed, ActionFailure.Of(e).Kind);
        Assert.Null(await fx.Engine.Images.InspectAsync($"{project}-broken"));
    }

    [Fact]
    public async Task A_Dockerfile_that_does_not_parse_is_a_build_failure_naming_the_instruction()
    {
        var (dir, project) = Context(("Dockerfile", $"FORM {Base}\n"));

        var e = await Assert.ThrowsAsync<ImageBuildException>(() => BuildAsync(Spec(dir, project), $"{project}-typo"));

        Assert.Contains("unknown instruction", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ActionFailureKind.BuildFailed, ActionFailure.Of(e).Kind);
    }

    [Fact]
    public async Task A_context_changed_since_it_was_planned_is_not_built()
    {
        var (dir, project) = Context(("Dockerfile", $"FROM {Base}\nCOPY a.txt /a.txt\n"), ("a.txt", "one"));
        var spec = Spec(dir, project) with { Digest = "" };
        spec = spec with { Digest = BuildContext.Read(spec).Digest };
        File.WriteAllText(Path.Combine(dir, "a.txt"), "two");

        var e = await Assert.ThrowsAsync<ImageBuildException>(() =>
            fx.Engine.Images.BuildAsync(spec, [$"{project}-moved"], spec.Labels));

        Assert.True(e.Transient);
        Assert.Contains("changed on disk since it was planned", e.Message);
    }

    [Fact]
    public async Task The_executor_builds_before_the_container_it_creates_and_returns_the_built_image()
    {
        var (dir, project) = Context(("Dockerfile", $"FROM {Base}\nCOPY a.txt /a.txt\nCMD [\"sleep\", \"300\"]\n"), ("a.txt", "one"));
        var spec = Spec(dir, project);
        spec = spec with { Digest = BuildContext.Read(spec).Digest };
        var build = new Core.Planning.BuildImage { Id = 1, Image = $"{project}-web", Services = ["web"], Build = spec, Reason = "image missing" };
        var executor = new PlanExecutor(fx.Engine.Containers, fx.Engine.Networks, fx.Engine.Volumes, fx.Engine.Images);

        var result = await executor.ExecuteAsync([build], CancellationToken.None);

        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(ActionResult.Done, outcome.Result);
        Assert.NotNull(outcome.Image);
        Assert.Contains($"{project}-web:latest", outcome.Image.RepoTags);
    }

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
