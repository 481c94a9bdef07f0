using Reconciler.Core.Compose.Environment;

namespace Reconciler.Core.Tests.Compose.Environment;

// Expected values were checked against `docker compose config` (Docker Compose 2.26.1), reading
// the text as a service's env_file or as the project's .env.
public class DotEnvParserTests
{
    private static DotEnvResult Parse(string text, IReadOnlyDictionary<string, string>? outside = null) =>
        DotEnvParser.Parse(text, "test.env", k => outside is not null && outside.TryGetValue(k, out var v) ? v : null);

    private static IReadOnlyDictionary<string, string> Vars(string text, IReadOnlyDictionary<string, string>? outside = null)
    {
        var r = Parse(text, outside);
        Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
        return r.Variables;
    }

    private static string Single(string text, string key = "A", IReadOnlyDictionary<string, string>? outside = null)
    {
        var vars = Vars(text, outside);
        Assert.True(vars.ContainsKey(key), $"{key} not set; got {string.Join(",", vars.Keys)}");
        return vars[key];
    }

    private static EnvDiagnostic OnlyError(DotEnvResult r) => Assert.Single(r.Diagnostics, d => d.IsError);

    [Fact]
    public void Blank_lines_and_comment_lines_are_skipped()
    {
        var r = Parse("\n# a comment\n   \n  # indented comment\nA=1\n\n#B=2\n");
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1" }, r.Variables);
        Assert.Empty(r.Diagnostics);
    }

    [Fact]
    public void Entries_keep_declaration_order_with_last_value_winning()
    {
        var r = Parse("B=1\nA=2\nB=3\n");
        Assert.Equal([new("B", "3"), new("A", "2")], r.Entries.ToArray());
        Assert.Equal(3, r.Declarations[0].Line);
    }

    [Theory]
    [InlineData("export A=1\n")]
    [InlineData("export\tA=1\n")]
    [InlineData("export   A=1\n")]
    public void Export_prefix_is_ignored(string text) => Assert.Equal("1", Single(text));

    [Fact]
    public void Export_needs_a_blank_after_it_to_be_a_prefix()
    {
        var vars = Vars("exportJ=5\nexport=6\n");
        Assert.Equal("5", vars["exportJ"]);
        Assert.Equal("6", vars["export"]);
    }

    [Theory]
    [InlineData("A: colon\n", "colon")]
    [InlineData("A:b=c\n", "b=c")]
    [InlineData("A: 'x'\n", "x")]
    [InlineData("A:\n", "")]
    [InlineData("A=a:b\n", "a:b")]
    public void Colon_separates_key_and_value_like_yaml(string text, string expected) =>
        Assert.Equal(expected, Single(text));

    [Theory]
    [InlineData("A = 1\n", "1")]
    [InlineData("  A=1\n", "1")]
    [InlineData("A=\t\ty\t\n", "y")]
    [InlineData("A=  1  \n", "1")]
    [InlineData("A=1 2\n", "1 2")]
    [InlineData("A=\n", "")]
    [InlineData("A=\"\"\n", "")]
    [InlineData("A=''\n", "")]
    [InlineData("A=1", "1")]
    public void Blanks_around_key_and_unquoted_value_are_trimmed(string text, string expected) =>
        Assert.Equal(expected, Single(text));

    [Theory]
    [InlineData("A=x #c\n", "x")]
    [InlineData("A=x#c\n", "x#c")]
    [InlineData("A=x\t#c\n", "x\t#c")]
    [InlineData("A=x  # c # d\n", "x")]
    [InlineData("A= #c\n", "#c")]
    [InlineData("A=#c\n", "#c")]
    [InlineData("A=a # b\n", "a")]
    public void Inline_comment_starts_only_at_a_space_then_hash(string text, string expected) =>
        Assert.Equal(expected, Single(text));

    [Theory]
    [InlineData("A='s $A'\n", "s $A")]
    [InlineData("A='x\\ny'\n", "x\\ny")]
    [InlineData("A='a\\'b'\n", "a'b")]
    [InlineData("A='x\\\\'\n", "x\\\\")]
    [InlineData("A='a\"b'\n", "a\"b")]
    [InlineData("A='x #y'\n", "x #y")]
    [InlineData("A=' y '  #c\n", " y ")]
    public void Single_quoted_value_is_literal_except_for_an_escaped_quote(string text, string expected) =>
        Assert.Equal(expected, Single(text, outside: new Dictionary<string, string> { ["A"] = "no" }));

    [Fact]
    public void Single_quoted_value_may_span_lines()
    {
        var vars = Vars("A='multi\nline'\nB=2\n");
        Assert.Equal("multi\nline", vars["A"]);
        Assert.Equal("2", vars["B"]);
    }

    [Fact]
    public void Double_quoted_value_expands_newline_escape() => Assert.Equal("a\nb", Single("A=\"a\\nb\"\n"));

    [Theory]
    [InlineData("\\t", "\t")]
    [InlineData("\\r", "\r")]
    [InlineData("\\\\", "\\")]
    [InlineData("\\\"", "\"")]
    [InlineData("\\$", "$")]
    [InlineData("\\a", "\a")]
    [InlineData("\\b", "\b")]
    [InlineData("\\f", "\f")]
    [InlineData("\\v", "\v")]
    public void Double_quoted_value_expands_shell_escapes(string escape, string expected) =>
        Assert.Equal("x" + expected + "y", Single("A=\"x" + escape + "y\"\n"));

    [Theory]
    [InlineData("\\x41")]
    [InlineData("\\u0041")]
    [InlineData("\\'")]
    [InlineData("\\q")]
    [InlineData("\\c")]
    public void Double_quoted_value_keeps_other_escapes_as_written(string escape) =>
        Assert.Equal(escape, Single("A=\"" + escape + "\"\n"));

    [Theory]
    [InlineData("\\0123", "S")]
    [InlineData("\\0101", "A")]
    [InlineData("\\0377", "\u00ff")]
    [InlineData("\\0", "\\")]
    [InlineData("\\01", "\\1")]
    [InlineData("\\012", "\\12")]
    [InlineData("\\0777", "\\777")]
    [InlineData("\\0189", "\\189")]
    [InlineData("\\01234", "S4")]
    public void Double_quoted_value_reads_octal_escapes_as_compose_does(string escape, string expected) =>
        Assert.Equal(expected, Single("A=\"" + escape + "\"\n"));

    [Fact]
    public void Escaped_backslash_before_closing_quote_ends_the_value()
    {
        var vars = Vars("A=\"x\\\\\"\nB=\"x\\\\\\\"y\"\n");
        Assert.Equal("x\\", vars["A"]);
        Assert.Equal("x\\\"y", vars["B"]);
    }

    [Fact]
    public void Double_quoted_value_may_span_lines_and_is_expanded()
    {
        var vars = Vars("C='multi\nline'\nD=\"multi\nline $C\"\n");
        Assert.Equal("multi\nline multi\nline", vars["D"]);
    }

    [Fact]
    public void Double_quoted_dollar_escape_is_not_expanded()
    {
        Assert.Equal("a$b", Single("A=\"a\\$b\"\n", outside: new Dictionary<string, string> { ["b"] = "no" }));
    }

    [Theory]
    [InlineData("A=a\\nb\n", "a\\nb")]
    [InlineData("A=x\"y\"\n", "x\"y\"")]
    [InlineData("A=$$x\n", "$x")]
    public void Unquoted_value_has_no_escapes(string text, string expected) =>
        Assert.Equal(expected, Single(text));

    [Fact]
    public void Unquoted_backslash_dollar_is_a_backslash_then_a_variable()
    {
        Assert.Equal("\\X", Single("A=\\$x\n", outside: new Dictionary<string, string> { ["x"] = "X" }));
    }

    [Fact]
    public void Unquoted_and_double_quoted_values_expand_earlier_variables_of_the_file()
    {
        var vars = Vars("A=1\nB=${A}2\nC=\"$B-x\"\nD='$A'\nE=${U:-d}\n");
        Assert.Equal("12", vars["B"]);
        Assert.Equal("12-x", vars["C"]);
        Assert.Equal("$A", vars["D"]);
        Assert.Equal("d", vars["E"]);
    }

    [Fact]
    public void Lookup_wins_over_the_files_own_earlier_value()
    {
        var outside = new Dictionary<string, string> { ["A"] = "proc" };
        var vars = Vars("A=file\nB=${A}\nC=$A\n", outside);
        Assert.Equal("file", vars["A"]); // the file's own value is still what it declares
        Assert.Equal("proc", vars["B"]);
        Assert.Equal("proc", vars["C"]);
    }

    [Fact]
    public void Later_declaration_is_not_visible_to_an_earlier_line()
    {
        var r = Parse("B=${A}\nA=1\n");
        Assert.Equal("", r.Variables["B"]);
        var warning = Assert.Single(r.Diagnostics);
        Assert.Equal(EnvDiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal("The \"A\" variable is not set. Defaulting to a blank string.", warning.Message);
        Assert.Equal(1, warning.Line);
    }

    [Fact]
    public void Unset_variables_in_values_are_reported_as_warnings_with_their_line()
    {
        var r = Parse("X=1\nA=$U\nB=\"${V}\"\nC='$W'\n");
        Assert.False(r.HasErrors);
        Assert.Equal(["The \"U\" variable is not set. Defaulting to a blank string.", "The \"V\" variable is not set. Defaulting to a blank string."],
            r.Diagnostics.Select(d => d.Message));
        Assert.Equal([2, 3], r.Diagnostics.Select(d => d.Line));
        Assert.Equal("$W", r.Variables["C"]);
    }

    [Fact]
    public void Bare_key_inherits_its_value_from_the_lookup()
    {
        var r = Parse("A\nB\n", new Dictionary<string, string> { ["A"] = "fromproc" });
        Assert.Equal(new Dictionary<string, string> { ["A"] = "fromproc" }, r.Variables);
        Assert.Equal([new("A", "fromproc"), new("B", null)], r.Entries.ToArray());
        Assert.Empty(r.Diagnostics);
    }

    [Theory]
    [InlineData("A\r\n")]
    [InlineData("  A  \n")]
    [InlineData("export A\n")]
    public void Bare_key_tolerates_blanks_and_crlf(string text) =>
        Assert.Equal("p", Single(text, outside: new Dictionary<string, string> { ["A"] = "p" }));

    [Fact]
    public void Bare_key_does_not_read_the_files_own_values()
    {
        var r = Parse("A=1\nB=2\nA\n");
        Assert.Equal("1", r.Variables["A"]);
        Assert.Equal([new("A", "1"), new("B", "2")], r.Entries.ToArray());
    }

    [Fact]
    public void Bare_key_on_the_last_line_without_a_line_break_becomes_an_empty_named_variable_as_in_compose()
    {
        var r = Parse("X=1\nA", new Dictionary<string, string> { ["A"] = "pa" });
        Assert.False(r.HasErrors);
        Assert.Equal("A", r.Variables[""]);
        Assert.False(r.Variables.ContainsKey("A"));
        var warning = Assert.Single(r.Diagnostics);
        Assert.Equal(2, warning.Line);
        Assert.Contains("empty name", warning.Message);
    }

    [Fact]
    public void Export_alone_on_a_line_is_ignored_with_a_warning()
    {
        var r = Parse("A=1\nexport\nB=2\n");
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }, r.Variables);
        Assert.Equal(EnvDiagnosticSeverity.Warning, Assert.Single(r.Diagnostics).Severity);
    }

    [Theory]
    [InlineData("X=1\nexport ")]
    [InlineData("X=1\nexport\t")]
    public void Export_as_the_last_word_is_an_error(string text)
    {
        var r = Parse(text);
        var error = OnlyError(r);
        Assert.Equal("zero length string", error.Message);
        Assert.Equal(2, error.Line);
        Assert.Equal("1", r.Variables["X"]);
    }

    [Fact]
    public void Empty_key_is_accepted_with_a_warning()
    {
        var r = Parse("=1\nX=2\n");
        Assert.Equal("1", r.Variables[""]);
        Assert.Equal(EnvDiagnosticSeverity.Warning, Assert.Single(r.Diagnostics).Severity);
    }

    [Fact]
    public void Text_after_a_closing_quote_starts_another_declaration()
    {
        var r = Parse("B=\"x\" junk=5\nC='y'K=6\n");
        Assert.Equal(new Dictionary<string, string> { ["B"] = "x", ["junk"] = "5", ["C"] = "y", ["K"] = "6" }, r.Variables);
        Assert.Equal(2, r.Diagnostics.Count(d => d.Severity == EnvDiagnosticSeverity.Warning));
    }

    [Fact]
    public void Comment_after_a_closing_quote_is_fine()
    {
        var r = Parse("A=\"x\" # comment\nB='y'#c\n");
        Assert.Equal(new Dictionary<string, string> { ["A"] = "x", ["B"] = "y" }, r.Variables);
        Assert.Empty(r.Diagnostics);
    }

    [Fact]
    public void Keys_may_hold_letters_digits_dots_dashes_and_brackets()
    {
        var vars = Vars("A.B=1\nC-D=2\nE[0]=3\n1A=4\n\u00c4=5\nx_y=6\n");
        Assert.Equal(new Dictionary<string, string> { ["A.B"] = "1", ["C-D"] = "2", ["E[0]"] = "3", ["1A"] = "4", ["\u00c4"] = "5", ["x_y"] = "6" }, vars);
    }

    [Fact]
    public void Tab_inside_a_key_is_kept_as_compose_does()
    {
        Assert.Equal("1", Vars("A\tB=1\n")["A\tB"]);
    }

    [Fact]
    public void Space_inside_a_key_is_an_error_with_its_line()
    {
        var r = Parse("X=1\nA B=1\n");
        var error = OnlyError(r);
        Assert.Equal("key cannot contain a space", error.Message);
        Assert.Equal("test.env", error.File);
        Assert.Equal(2, error.Line);
        Assert.Equal(1, error.Column);
    }

    [Fact]
    public void Bare_key_with_a_space_is_an_error()
    {
        Assert.Equal("key cannot contain a space", OnlyError(Parse("X=1\nA B\n")).Message);
    }

    [Theory]
    [InlineData("A$=1\n", "unexpected character \"$\"", 2)]
    [InlineData("  \"A\"=1\n", "unexpected character \"\\\"\"", 3)]
    [InlineData("export A/B=1\r\n", "unexpected character \"/\"", 9)]
    [InlineData("A\u00a7=1\n", "unexpected character \"\u00a7\"", 2)]
    public void Invalid_character_in_a_key_is_an_error_with_file_line_and_column_without_quoting_the_line(string text, string start, int column)
    {
        var r = Parse("X=1\n" + text);
        var error = OnlyError(r);
        var message = start + " in a variable name (names hold letters, digits, _ . - [ ])";
        Assert.Equal(message, error.Message);
        Assert.Equal(2, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Equal($"test.env:2:{column}: error: {message}", error.ToString());
    }

    [Fact]
    public void Unterminated_double_quote_is_an_error_at_the_quote()
    {
        var r = Parse("X=1\nA=\"abc\nB=1\n");
        var error = OnlyError(r);
        Assert.Equal("unterminated quoted value: the double quote opened here is never closed", error.Message);
        Assert.Equal(2, error.Line);
        Assert.Equal(3, error.Column);
    }

    [Fact]
    public void Unterminated_single_quote_is_an_error()
    {
        var error = OnlyError(Parse("X=1\n\n# c\nA='abc\n"));
        Assert.Equal("unterminated quoted value: the single quote opened here is never closed", error.Message);
        Assert.Equal((4, 3), (error.Line, error.Column));
    }

    [Fact]
    public void Escaped_closing_quote_does_not_terminate()
    {
        Assert.Equal("unterminated quoted value: the single quote opened here is never closed", OnlyError(Parse("A='a\\'\n")).Message);
    }

    [Fact]
    public void Missing_required_variable_in_a_value_is_an_error_that_does_not_quote_the_value()
    {
        var error = OnlyError(Parse("X=1\nA=${U:?need it}\n"));
        Assert.Equal("required variable U is missing a value", error.Message);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Invalid_template_in_a_value_is_an_error()
    {
        Assert.Equal("Invalid template: a ${ that does not start a valid ${NAME…} (write $$ for a literal $)", OnlyError(Parse("X=1\nA=${\n")).Message);
    }

    [Fact]
    public void Parsing_stops_at_the_first_error_keeping_earlier_entries()
    {
        var r = Parse("A=1\nB C=2\nD=3\nE F=4\n");
        Assert.True(r.HasErrors);
        Assert.Single(r.Diagnostics);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1" }, r.Variables);
    }

    [Fact]
    public void Byte_order_mark_is_ignored()
    {
        Assert.Equal("bom", Single("\uFEFFA=bom\n"));
    }

    [Fact]
    public void Crlf_line_ends_are_handled()
    {
        var vars = Vars("A=1\r\nB=\"x\"\r\nC\r\n# c\r\nD='y'  \r\n", new Dictionary<string, string> { ["C"] = "pc" });
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "x", ["C"] = "pc", ["D"] = "y" }, vars);
    }

    [Fact]
    public void No_line_continuation_with_backslash()
    {
        var vars = Vars("X=1 \\\n  Y=2\n");
        Assert.Equal("1 \\", vars["X"]);
        Assert.Equal("2", vars["Y"]);
    }

    [Fact]
    public void Empty_text_gives_nothing()
    {
        var r = Parse("");
        Assert.Empty(r.Entries);
        Assert.Empty(r.Diagnostics);
    }

    [Fact]
    public void Line_numbers_count_lines_inside_quoted_values()
    {
        var r = Parse("A=\"1\n2\n3\"\nB=$U\n");
        Assert.Equal(4, Assert.Single(r.Diagnostics).Line);
        Assert.Equal(4, r.Declarations[1].Line);
    }
}
