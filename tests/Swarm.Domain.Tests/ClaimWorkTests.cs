using Swarm.Domain.Scrum;

namespace Swarm.Domain.Tests;

public sealed class ClaimWorkTests
{
    [Fact]
    public void Parses_the_seed_claim()
    {
        var claim = ClaimWork.Parse("feature", "Sprint 42", "high", "alpha", null);

        Assert.Equal(new ClaimWork(WorkType.Feature, "Sprint 42", WorkPriority.High, "alpha", 5), claim);
    }

    [Theory]
    [InlineData(null, "type")]
    [InlineData("", "type")]
    [InlineData("  ", "type")]
    [InlineData("story", "type")]
    public void A_missing_or_unknown_type_is_invalid_input_on_type(string? type, string field)
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse(type, "t", null, null, null));

        Assert.Equal(field, error.Field);
        Assert.Equal("invalid-input", error.Code);
        Assert.Contains("bug, feature, task, epic", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_title_is_invalid_input_on_title(string? title)
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", title, null, null, null));

        Assert.Equal("title", error.Field);
    }

    [Fact]
    public void A_title_longer_than_200_characters_is_invalid_input_on_title()
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", new string('x', 201), null, null, null));

        Assert.Equal("title", error.Field);
    }

    [Fact]
    public void A_title_of_exactly_200_characters_after_trimming_is_accepted()
    {
        var claim = ClaimWork.Parse("bug", "  " + new string('x', 200) + "  ", null, null, null);

        Assert.Equal(200, claim.Title.Length);
    }

    [Theory]
    [InlineData("urgent")]
    [InlineData("")]
    [InlineData("5")]
    public void An_unknown_priority_is_invalid_input_on_priority(string priority)
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", "t", priority, null, null));

        Assert.Equal("priority", error.Field);
        Assert.Contains("low, medium, high, critical", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("team alpha")]
    [InlineData("alpha_1")]
    [InlineData("équipe")]
    [InlineData("a/b")]
    public void An_invalid_team_is_invalid_input_on_team(string team)
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", "t", null, team, null));

        Assert.Equal("team", error.Field);
    }

    [Fact]
    public void A_team_name_longer_than_40_characters_is_invalid_input_on_team()
    {
        Assert.Equal(new string('a', 40), ClaimWork.Parse("bug", "t", null, new string('a', 40), null).Team);

        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", "t", null, new string('a', 41), null));
        Assert.Equal("team", error.Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(101)]
    public void Points_outside_1_to_100_are_invalid_input_on_points(int points)
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", "t", null, null, points));

        Assert.Equal("points", error.Field);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void Points_at_the_bounds_are_accepted(int points) =>
        Assert.Equal(points, ClaimWork.Parse("bug", "t", null, null, points).Points);

    [Fact]
    public void Priority_defaults_to_medium_and_team_to_default()
    {
        var claim = ClaimWork.Parse("task", "  Tidy up  ", null, "  ", null);

        Assert.Equal(WorkPriority.Medium, claim.Priority);
        Assert.Equal("default", claim.Team);
        Assert.Equal("Tidy up", claim.Title);
    }

    [Theory]
    [InlineData("epic", 13)]
    [InlineData("feature", 5)]
    [InlineData("bug", 2)]
    [InlineData("task", 1)]
    public void Points_default_by_type(string type, int points) =>
        Assert.Equal(points, ClaimWork.Parse(type, "t", null, null, null).Points);

    [Theory]
    [InlineData("FEATURE", "HIGH", WorkType.Feature, WorkPriority.High)]
    [InlineData("Bug", "Critical", WorkType.Bug, WorkPriority.Critical)]
    [InlineData(" epic ", " low ", WorkType.Epic, WorkPriority.Low)]
    [InlineData("tAsK", "mEdIuM", WorkType.Task, WorkPriority.Medium)]
    public void Type_and_priority_parse_case_insensitively(string type, string priority, WorkType expectedType, WorkPriority expectedPriority)
    {
        var claim = ClaimWork.Parse(type, "t", priority, null, null);

        Assert.Equal(expectedType, claim.Type);
        Assert.Equal(expectedPriority, claim.Priority);
    }

    [Fact]
    public void The_team_is_trimmed_and_lower_cased()
    {
        Assert.Equal("team-alpha-2", ClaimWork.Parse("bug", "t", null, "  Team-Alpha-2 ", null).Team);
    }

    [Fact]
    public void The_first_problem_is_reported_in_field_order()
    {
        var error = Assert.Throws<InvalidInputException>(() => ClaimWork.Parse("bug", null, "urgent", "bad team", 0));

        Assert.Equal("title", error.Field);
    }
}
