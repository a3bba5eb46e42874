using Swarm.Api;
using Swarm.Domain;
using Swarm.Domain.Scrum;

namespace Swarm.Functions.Tests;

/// <summary>How clients read every page of <c>GET /api/work</c> (<c>swarm work list</c>, the board), and the tokens they pass back.</summary>
public sealed class WorkListPagingTests
{
    private static WorkItem Item(string id, int minute) => new()
    {
        Id = id,
        Type = WorkType.Task,
        Title = id,
        Priority = WorkPriority.Low,
        Team = "alpha",
        Points = 1,
        Status = WorkStatus.Claimed,
        ClaimedAt = new DateTimeOffset(2026, 11, 30, 8, minute, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task Every_page_is_read_by_passing_back_its_token_and_the_items_come_back_oldest_claim_first()
    {
        var pages = new Dictionary<string, WorkList>
        {
            ["work?team=alpha"] = new(2, [Item("c", 30), Item("a", 10)], "s1.first"),
            ["work?team=alpha&continuationToken=s1.first"] = new(0, [], "s1.second+/="),
            ["work?team=alpha&continuationToken=s1.second%2B%2F%3D"] = new(1, [Item("b", 20)]),
        };
        var asked = new List<string>();

        var all = await WorkList.AllAsync("team=alpha", path =>
        {
            asked.Add(path);
            return Task.FromResult(pages[path]);
        });

        Assert.Equal(pages.Keys, asked);
        Assert.Equal(["a", "b", "c"], all.Items.Select(w => w.Id));
        Assert.Equal(3, all.Count);
        Assert.Null(all.ContinuationToken);
    }

    [Fact]
    public void A_token_is_refused_unless_it_was_handed_out_unchanged()
    {
        var token = InstancePages.Encode("{\"nextPartitionKey\":\"work-b\"}");
        Assert.Equal("{\"nextPartitionKey\":\"work-b\"}", InstancePages.Decode(token));

        var tampered = token[..^1] + (token[^1] == '0' ? '1' : '0');
        foreach (var bad in new[] { "not-a-token", "42", tampered, "s1.!!.00000000" })
        {
            var error = Assert.Throws<InvalidInputException>(() => InstancePages.Decode(bad));
            Assert.Equal("continuationToken", error.Field);
        }
    }
}
