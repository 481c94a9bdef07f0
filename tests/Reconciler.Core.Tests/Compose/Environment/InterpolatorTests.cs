using Reconciler.Core.Compose.Environment;

namespace Reconciler.Core.Tests.Compose.Environment;

// Expected values were checked against `docker compose config` (Docker Compose 2.26.1) with
// A=va, E= (set, empty) and U, V unset.
public class InterpolatorTests
{
    private static readonly Dictionary<string, string> Vars = new() { ["A"] = "va", ["E"] = "", ["a"] = "lower" };

    private static string? Lookup(string name) => Vars.TryGetValue(name, out var v) ? v : null;

    private static InterpolationResult Run(string value) => Interpolator.Interpolate(value, Lookup);

    private static string Value(string value)
    {
        var r = Run(value);
        Assert.Null(r.Error);
        return r.Value;
    }

    [Fact]
    public void Value_without_dollar_is_returned_as_the_same_instance_without_warnings()
    {
        var input = "plain value {with} braces: and - signs";
        var r = Run(input);
        Assert.Same(input, r.Value);
        Assert.Empty(r.Warnings);
        Assert.Null(r.Error);
        Assert.True(r.Success);
    }

    [Theory]
    [InlineData("${A}", "va")]
    [InlineData("$A", "va")]
    [InlineData("x${A}y", "xvay")]
    [InlineData("$A-x", "va-x")]
    [InlineData("$A.b", "va.b")]
    [InlineData("${a}", "lower")]
    [InlineData("$A$A", "vava")]
    public void Braced_and_named_variables_are_substituted(string input, string expected) =>
        Assert.Equal(expected, Value(input));

    [Fact]
    public void Named_variable_takes_the_longest_name()
    {
        // $AB is the variable AB, not A followed by B.
        var r = Run("$AB");
        Assert.Equal("", r.Value);
        Assert.Equal(["AB"], r.Warnings);
    }

    [Theory]
    [InlineData("${U}")]
    [InlineData("$U")]
    public void Unset_variable_becomes_empty_and_is_reported(string input)
    {
        var r = Run(input);
        Assert.Equal("", r.Value);
        Assert.Equal(["U"], r.Warnings);
        Assert.Null(r.Error);
    }

    [Fact]
    public void Unset_variable_warning_text_is_composes()
    {
        Assert.Equal("The \"U\" variable is not set. Defaulting to a blank string.", Interpolator.UnsetVariableMessage("U"));
    }

    [Fact]
    public void Each_use_of_an_unset_variable_is_reported_in_order()
    {
        var r = Run("$U ${V} $U");
        Assert.Equal("  ", r.Value);
        Assert.Equal(["U", "V", "U"], r.Warnings);
    }

    [Fact]
    public void Set_but_empty_variable_is_not_reported()
    {
        var r = Run("[${E}]");
        Assert.Equal("[]", r.Value);
        Assert.Empty(r.Warnings);
    }

    [Theory]
    [InlineData("$$", "$")]
    [InlineData("$$A", "$A")]
    [InlineData("$${A}", "${A}")]
    [InlineData("$$$A", "$va")]
    [InlineData("a$$$$b", "a$$b")]
    public void Double_dollar_is_a_literal_dollar(string input, string expected) =>
        Assert.Equal(expected, Value(input));

    [Theory]
    [InlineData("a $ b")]
    [InlineData("$1")]
    [InlineData("x$")]
    [InlineData("$")]
    [InlineData("$}")]
    [InlineData("$-x")]
    [InlineData("$ A")]
    [InlineData("cost: 5$")]
    [InlineData("$\u00c4")]
    [InlineData("$.")]
    public void Dollar_not_followed_by_a_name_or_brace_is_kept_as_is(string input) =>
        Assert.Equal(input, Value(input));

    [Theory]
    // name, op: result for A=va (set), E= (empty), U (unset)
    [InlineData("${A:-d}", "va")]
    [InlineData("${E:-d}", "d")]
    [InlineData("${U:-d}", "d")]
    [InlineData("${A-d}", "va")]
    [InlineData("${E-d}", "")]
    [InlineData("${U-d}", "d")]
    [InlineData("${A:+alt}", "alt")]
    [InlineData("${E:+alt}", "")]
    [InlineData("${U:+alt}", "")]
    [InlineData("${A+alt}", "alt")]
    [InlineData("${E+alt}", "alt")]
    [InlineData("${U+alt}", "")]
    [InlineData("${A:?msg}", "va")]
    [InlineData("${A?msg}", "va")]
    [InlineData("${E?msg}", "")]
    [InlineData("${A:-}", "va")]
    [InlineData("${U:-}", "")]
    [InlineData("${U:+}", "")]
    public void Operators_pick_the_value_or_the_argument_as_compose_does(string input, string expected)
    {
        var r = Run(input);
        Assert.Null(r.Error);
        Assert.Equal(expected, r.Value);
        Assert.Empty(r.Warnings);
    }

    [Theory]
    [InlineData("${U:?must}", "U", "required variable U is missing a value: must")]
    [InlineData("${E:?must}", "E", "required variable E is missing a value: must")]
    [InlineData("${U?must}", "U", "required variable U is missing a value: must")]
    [InlineData("${U:?}", "U", "required variable U is missing a value")]
    [InlineData("${U?}", "U", "required variable U is missing a value")]
    public void Missing_required_variable_is_an_error_naming_the_variable_and_the_message(string input, string variable, string message)
    {
        var r = Run(input);
        Assert.False(r.Success);
        Assert.Equal(message, r.Error);
        Assert.Equal(InterpolationErrorKind.MissingRequired, r.ErrorDetail!.Kind);
        Assert.Equal(variable, r.ErrorDetail.Variable);
        Assert.Equal(input, r.Value);
    }

    [Fact]
    public void Required_message_is_itself_interpolated()
    {
        var r = Run("${U?oops $A}");
        Assert.Equal("required variable U is missing a value: oops va", r.Error);
        Assert.Equal("oops va", r.ErrorDetail!.Reason);
    }

    [Fact]
    public void Missing_required_error_formats_like_composes_loader()
    {
        var r = Run("${U:?boom}");
        Assert.Equal("error while interpolating services.web.image: required variable U is missing a value: boom",
            r.ErrorDetail!.FormatForPath("services.web.image"));
    }

    [Theory]
    [InlineData("${U:-${A:-x}}", "va")]
    [InlineData("${U:-${V:-x}}", "x")]
    [InlineData("${U:-${V:-${A}}}", "va")]
    [InlineData("${A:+[${A}]}", "[va]")]
    [InlineData("${U:-a}b${A}", "abva")]
    [InlineData("${U:-a} ${V:-b}", "a b")]
    [InlineData("${U-a:-b}", "a:-b")]
    [InlineData("${U:-a-b}", "a-b")]
    [InlineData("${U:-$$}", "$")]
    [InlineData("${U:-$}", "$")]
    public void Arguments_nest_and_are_interpolated(string input, string expected) =>
        Assert.Equal(expected, Value(input));

    [Fact]
    public void Template_after_an_operator_template_is_interpolated_too()
    {
        var r = Run("${A-x}y${U}");
        Assert.Equal("vay", r.Value);
        Assert.Equal(["U"], r.Warnings);
    }

    [Fact]
    public void Unused_default_is_still_interpolated_and_warns_as_compose_does()
    {
        // compose 2.26 interpolates the argument before looking at the variable.
        var r = Run("${A:-${V}}");
        Assert.Equal("va", r.Value);
        Assert.Equal(["V"], r.Warnings);
    }

    [Fact]
    public void Unused_alternative_and_required_message_also_warn()
    {
        Assert.Equal(["V"], Run("${U:+${V}}").Warnings);
        Assert.Equal(["V"], Run("${A?${V}}").Warnings);
    }

    [Fact]
    public void Unused_default_that_fails_fails_the_value()
    {
        var r = Run("${A:-${U:?boom}}");
        Assert.Equal("required variable U is missing a value: boom", r.Error);
    }

    [Theory]
    [InlineData("${U:-{a}", "{a")]
    [InlineData("${U:-{a} b}", "{a} b")]
    [InlineData("${U:-a}}}", "a}}")]
    [InlineData("${A:-x}}", "va}")]
    [InlineData("${U:-{x}}", "{x}")]
    [InlineData("${U:-{\"json\":1}}", "{\"json\":1}")]
    public void Braces_in_arguments_follow_composes_matching(string input, string expected) =>
        Assert.Equal(expected, Value(input));

    [Fact]
    public void Character_right_after_an_opening_brace_is_not_counted_as_compose_does()
    {
        // compose skips the character after each '{' while matching braces, so "{}" opens without closing.
        Assert.Equal("{}}x", Value("${U:-{}}x}"));
    }

    [Theory]
    [InlineData("${")]
    [InlineData("${A")]
    [InlineData("${}")]
    [InlineData("${1}")]
    [InlineData("${A:x}")]
    [InlineData("${A:}")]
    [InlineData("${A.B}")]
    [InlineData("${U:-x")]
    [InlineData("${A:-x} ${")]
    [InlineData("${ A}")]
    [InlineData("${\u00c4}")]
    public void Invalid_template_is_an_error_quoting_the_template(string input)
    {
        var r = Run(input);
        Assert.Equal($"Invalid template: \"{input}\"", r.Error);
        Assert.Equal(InterpolationErrorKind.InvalidTemplate, r.ErrorDetail!.Kind);
        Assert.Equal(input, r.ErrorDetail.Template);
        Assert.Equal(input, r.Value);
    }

    [Fact]
    public void Invalid_template_message_quotes_as_go_does()
    {
        Assert.Equal("Invalid template: \"say \\\"${\\\"\\t\"", Run("say \"${\"\t").Error);
    }

    [Fact]
    public void Invalid_template_error_formats_like_composes_loader()
    {
        var r = Run("x ${A:x}");
        Assert.Equal("invalid interpolation format for services.s.environment.R.\nYou may need to escape any $ with another $.\nx ${A:x}",
            r.ErrorDetail!.FormatForPath("services.s.environment.R"));
    }

    [Theory]
    [InlineData("${U:-a} ${ }", " ${ }")]
    [InlineData("${U:-${}", "${")]
    [InlineData("${U?${}", "${")]
    [InlineData("${A?${}", "${")]
    public void Invalid_template_names_the_innermost_template_holding_it(string input, string template)
    {
        var r = Run(input);
        Assert.Equal(template, r.ErrorDetail!.Template);
    }

    [Fact]
    public void Template_never_spans_a_line_break()
    {
        Assert.Equal("Invalid template: \"${U:-a\\n}\"", Run("${U:-a\n}").Error);
        Assert.Equal("a\nb}", Value("${U:-a}\nb}"));
        Assert.Equal("va\nva", Value("${A}\n$A"));
    }

    [Fact]
    public void Kelvin_sign_and_long_s_count_as_name_letters_as_in_gos_case_folding()
    {
        var r = Run("${\u017f}|$\u212a|${\u212a:-d}");
        Assert.Equal("||d", r.Value);
        Assert.Equal(["\u017f", "\u212a"], r.Warnings);
    }

    [Fact]
    public void First_error_is_kept_and_later_unset_variables_still_warn()
    {
        var r = Run("${U:?first} ${ $V");
        Assert.Equal("required variable U is missing a value: first", r.Error);
        Assert.Equal(["V"], r.Warnings);
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var depth = 5000;
        var input = string.Concat(Enumerable.Repeat("${U:-", depth)) + "x" + new string('}', depth);
        var r = Run(input);
        Assert.Equal(InterpolationErrorKind.NestingTooDeep, r.ErrorDetail!.Kind);
    }

    [Fact]
    public void Nesting_within_the_limit_works()
    {
        var depth = 50;
        var input = string.Concat(Enumerable.Repeat("${U:-", depth)) + "x" + new string('}', depth);
        Assert.Equal("x", Value(input));
    }

    [Fact]
    public void Many_operator_templates_on_one_line_need_no_deep_recursion()
    {
        var input = string.Concat(Enumerable.Repeat("${U:-x}${A-y}", 5000));
        Assert.Equal(string.Concat(Enumerable.Repeat("xva", 5000)), Value(input));
    }

    [Fact]
    public void Lookup_is_called_with_the_exact_name()
    {
        var asked = new List<string>();
        Interpolator.Interpolate("$Ab_1 ${x_Y:-z}", n => { asked.Add(n); return null; });
        Assert.Equal(["Ab_1", "x_Y"], asked);
    }
}
