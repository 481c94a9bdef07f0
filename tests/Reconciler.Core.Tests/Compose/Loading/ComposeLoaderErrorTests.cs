namespace Reconciler.Core.Tests.Compose.Loading;

public class ComposeLoaderErrorTests
{
    private static string OnlyError(string compose, Dictionary<string, string>? more = null)
    {
        var result = InMemoryFiles.Load(compose, more);
        Assert.False(result.Success);
        return string.Join("\n", result.Errors);
    }

    [Fact]
    public void A_yaml_syntax_error_names_file_line_and_column()
    {
        var error = OnlyError("services:\n  web:\n    image: [unclosed\n");
        Assert.Contains("/p/compose.yaml:", error);
        Assert.Contains("YAML syntax error", error);
    }

    [Fact]
    public void An_unknown_key_names_its_key_path_and_suggests_the_right_one()
    {
        var error = OnlyError("services:\n  web:\n    image: x\n    enviroment: {A: 1}\n");
        Assert.Contains("services.web.enviroment", error);
        Assert.Contains("did you mean \"environment\"", error);
        Assert.Contains("/p/compose.yaml:4:5", error);
    }

    [Fact]
    public void A_mistyped_port_names_the_list_index()
    {
        var error = OnlyError("services:\n  web:\n    image: x\n    ports: [\"80:80\", \"http:80\"]\n");
        Assert.Contains("services.web.ports[1]", error);
    }

    [Fact]
    public void A_required_variable_failure_names_the_variable_and_message()
    {
        var error = OnlyError("services:\n  web:\n    image: ${TAG:?set TAG to the release}\n");
        Assert.Contains("TAG", error);
        Assert.Contains("set TAG to the release", error);
        Assert.Contains("services.web.image", error);
    }

    [Fact]
    public void A_dependency_on_an_undefined_service_is_refused()
    {
        var error = OnlyError("services:\n  web:\n    image: x\n    depends_on: [db]\n");
        Assert.Contains("depends on undefined service \"db\"", error);
    }

    [Fact]
    public void A_dependency_on_a_service_whose_profile_is_off_is_refused_when_required()
    {
        var error = OnlyError("services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: y\n    profiles: [debug]\n");
        Assert.Contains("\"db\"", error);
    }

    [Fact]
    public void A_dependency_cycle_is_refused_with_its_path()
    {
        var error = OnlyError("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n");
        Assert.Contains("dependency cycle detected", error);
        Assert.Contains("a -> b -> a", error);
    }

    [Fact]
    public void A_number_where_compose_wants_a_string_is_refused()
    {
        var error = OnlyError("services:\n  web:\n    image: x\n    user: 1000\n");
        Assert.Contains("services.web.user", error);
        Assert.Contains("must be a string", error);
    }

    [Fact]
    public void A_duplicate_key_is_refused_with_both_lines()
    {
        var error = OnlyError("services:\n  web:\n    image: x\n    image: y\n");
        Assert.Contains("already defined at line 3", error);
    }

    [Fact]
    public void An_unset_variable_is_a_warning_and_reads_as_empty()
    {
        var result = InMemoryFiles.Load("services:\n  web:\n    image: busybox\n    environment: {A: \"x${NOPE}y\"}\n");
        Assert.True(result.Success);
        Assert.Contains(result.Warnings, w => w.Message.Contains("\"NOPE\" variable is not set"));
        Assert.Contains("\"A\": \"xy\"", result.Project!.ToJson());
    }

    [Fact]
    public void A_profile_enables_its_services_and_others_stay_off()
    {
        const string compose = "services:\n  web:\n    image: x\n  debug:\n    image: y\n    profiles: [debug]\n";
        Assert.DoesNotContain("\"debug\"", InMemoryFiles.Load(compose).Project!.ToJson());
        Assert.Contains("\"debug\"", InMemoryFiles.Load(compose, profiles: ["debug"]).Project!.ToJson());
    }

    [Fact]
    public void Empty_entrypoint_list_is_kept_to_clear_the_images_entrypoint()
    {
        var json = InMemoryFiles.Load("services:\n  web:\n    image: x\n    entrypoint: []\n").Project!.ToJson();
        Assert.Contains("\"entrypoint\": []", json);
    }

    [Fact]
    public void Relative_bind_mounts_resolve_against_the_project_directory()
    {
        var json = InMemoryFiles.Load("services:\n  web:\n    image: x\n    volumes: [./conf:/etc/conf:ro]\n").Project!.ToJson();
        Assert.Contains("\"source\": \"/p/conf\"", json);
    }

    [Fact]
    public void Durations_and_sizes_print_as_compose_prints_them()
    {
        var json = InMemoryFiles.Load("services:\n  web:\n    image: x\n    stop_grace_period: 90s\n    shm_size: 1g\n").Project!.ToJson();
        Assert.Contains("\"stop_grace_period\": \"1m30s\"", json);
        Assert.Contains("\"shm_size\": \"1073741824\"", json);
    }
}
