using Spectre.Console.Rendering;
using Swarm.Domain;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Api;

namespace Swarm.Cli.Output;

/// <summary>How the swarm's records look in a terminal.</summary>
public static class Render
{
    /// <summary>Room the work table's title column gets at the least, in columns: 16 (it wraps).</summary>
    private const int WorkTitleWidth = 16;

    /// <summary>
    /// Work items: a table when every cell but the title fits whole in <paramref name="width"/> columns
    /// (<see cref="WorkTableNeeds"/>: about 120 for a team's items), else two lines per item — id, status, progress and
    /// sprint; then type, priority, team, points and title — so no id, status or word is broken on an 80-column
    /// terminal or pipe.
    /// </summary>
    public static IRenderable Work(IReadOnlyList<WorkItem> items, int width)
    {
        if (width >= WorkTableNeeds(items))
        {
            return WorkTable(items);
        }

        var rows = new List<IRenderable>();
        foreach (var item in items)
        {
            var sprint = item.Sprint is { } number ? $"  sprint {Number(number)}" : string.Empty;
            rows.Add(new Markup(
                $"[bold]{Markup.Escape(item.Id)}[/]  {Status(item)}  {item.Progress} %{sprint}\n" +
                $"  {Naming.Kebab(item.Type)} · {Priority(item.Priority)} · {Markup.Escape(item.Team)} · {Points(item.Points)} · {Markup.Escape(item.Title)}\n"));
        }

        return new Rows(rows);
    }

    /// <summary>
    /// Columns the work table takes with every cell but the title whole: the widest cell (or header) of each column,
    /// <see cref="WorkTitleWidth"/> for the title, and 3 a column for padding and rules (plus the closing rule).
    /// </summary>
    public static int WorkTableNeeds(IReadOnlyList<WorkItem> items)
    {
        int Widest(string header, Func<WorkItem, string> cell) => items.Select(i => cell(i).Length).Append(header.Length).Max();
        int[] columns =
        [
            Widest("id", i => i.Id),
            Widest("type", i => Naming.Kebab(i.Type)),
            WorkTitleWidth,
            Widest("priority", i => Naming.Kebab(i.Priority)),
            Widest("team", i => i.Team),
            Widest("points", i => Number(i.Points)),
            Widest("status", i => Markup.Remove(Status(i))),
            Widest("progress", i => $"{i.Progress} %"),
            Widest("sprint", i => i.Sprint is { } sprint ? Number(sprint) : "-"),
        ];
        return columns.Sum() + (3 * columns.Length) + 1;
    }

    public static Table WorkTable(IEnumerable<WorkItem> items)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("id").NoWrap()).AddColumn(new TableColumn("type").NoWrap()).AddColumn("title")
            .AddColumn(new TableColumn("priority").NoWrap()).AddColumn(new TableColumn("team").NoWrap())
            .AddColumn(new TableColumn("points").RightAligned().NoWrap()).AddColumn(new TableColumn("status").NoWrap())
            .AddColumn(new TableColumn("progress").RightAligned().NoWrap())
            .AddColumn(new TableColumn("sprint").RightAligned().NoWrap());
        foreach (var item in items)
        {
            table.AddRow(
                Markup.Escape(item.Id),
                Naming.Kebab(item.Type),
                Markup.Escape(item.Title),
                Priority(item.Priority),
                Markup.Escape(item.Team),
                item.Points.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Status(item),
                $"{item.Progress} %",
                item.Sprint?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }

        return table;
    }

    public static Grid WorkDetails(WorkItem item)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        Row(grid, "id", Markup.Escape(item.Id));
        Row(grid, "type", Naming.Kebab(item.Type));
        Row(grid, "title", Markup.Escape(item.Title));
        Row(grid, "priority", Priority(item.Priority));
        Row(grid, "team", Markup.Escape(item.Team));
        Row(grid, "points", item.Points.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(grid, "status", Status(item));
        Row(grid, "progress", $"{item.Progress} %");
        Optional(grid, "blocker", item.Blocker);
        Optional(grid, "decision", item.Decision);
        Optional(grid, "motion", item.MotionId);
        Optional(grid, "sprint", item.Sprint?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Optional(grid, "failure", item.FailureReason);
        Row(grid, "claimed", item.ClaimedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        Optional(grid, "started", item.StartedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        Optional(grid, "completed", item.CompletedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        return grid;
    }

    public static string Status(WorkItem item) => item.Status switch
    {
        WorkStatus.Completed when item.Completion == CompletionStatus.Failed => "[red]completed (failed)[/]",
        WorkStatus.Completed => "[green]completed (success)[/]",
        WorkStatus.Rejected => "[red]rejected[/]",
        WorkStatus.InProgress => "[yellow]in-progress[/]",
        var other => Naming.Kebab(other),
    };

    public static string Priority(WorkPriority priority) => priority switch
    {
        WorkPriority.Critical => "[bold red]critical[/]",
        WorkPriority.High => "[red]high[/]",
        var other => Naming.Kebab(other),
    };

    public static Grid MotionDetails(Motion motion)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        Row(grid, "motion", Markup.Escape(motion.Id));
        Row(grid, "kind", Naming.Kebab(motion.Kind));
        Row(grid, "title", Markup.Escape(motion.Title));
        Row(grid, "team", Markup.Escape(motion.Team));
        Row(grid, "state", Naming.Kebab(motion.State));
        Optional(grid, "seconded by", motion.SecondedBy);
        Optional(grid, "objections", motion.Objections.Count == 0 ? null : string.Join(", ", motion.Objections));
        Optional(grid, "votes", motion.Votes.Count == 0 ? null : string.Join(", ", motion.Votes.Select(v => $"{v.Key} {Naming.Kebab(v.Value)}")));
        Optional(grid, "result", motion.Result is { } result ? Naming.Kebab(result) : null);
        Optional(grid, "reason", motion.Reason);
        return grid;
    }

    public static IRenderable Agents(AgentStates states, int width = int.MaxValue)
    {
        var roberts = new Table().Border(TableBorder.Rounded).Title("[bold]roberts[/] — governance")
            .AddColumn(new TableColumn("motion").NoWrap()).AddColumn("kind").AddColumn("title").AddColumn("team").AddColumn("state")
            .AddColumn(new TableColumn("votes").RightAligned()).AddColumn(new TableColumn("objections").RightAligned());
        foreach (var motion in states.Roberts.OpenMotions)
        {
            roberts.AddRow(
                Markup.Escape(motion.Id), Naming.Kebab(motion.Kind), Markup.Escape(motion.Title), Markup.Escape(motion.Team),
                $"[yellow]{Naming.Kebab(motion.State)}[/]", Number(motion.Votes), Number(motion.Objections));
        }

        var motionCounts = $"{states.Roberts.OpenMotions.Count} open, {states.Roberts.Passed} passed, {states.Roberts.Failed} failed" +
                           (states.Roberts.Withdrawn > 0 ? $", {states.Roberts.Withdrawn} withdrawn" : string.Empty);
        roberts.Caption(motionCounts);
        IRenderable robertsView = roberts.Rows.Count > 0 ? roberts : new Markup($"[bold]roberts[/] — no motion open [grey]({motionCounts})[/]\n");
        if (width < AgentsMotionTableWidth && roberts.Rows.Count > 0)
        {
            // Seven columns do not fit: each motion's id and state on a line kept whole (the terminal wraps it if it
            // must), then indented its kind, team and counts, and its title (which may wrap).
            var lines = new List<IRenderable> { new Markup("[bold]roberts[/] — governance\n") };
            foreach (var motion in states.Roberts.OpenMotions)
            {
                lines.Add(Unwrapped.Line($"[bold]{Markup.Escape(motion.Id)}[/]  [yellow]{Naming.Kebab(motion.State)}[/]"));
                lines.Add(new Padder(
                    new Markup(
                        $"{Naming.Kebab(motion.Kind)} · team {Markup.Escape(motion.Team)} · {Count(motion.Votes, "vote")}, {Count(motion.Objections, "objection")}\n" +
                        $"{Markup.Escape(motion.Title)}\n"),
                    new Padding(2, 0, 0, 0)));
            }

            lines.Add(new Markup($"[grey]{motionCounts}[/]\n"));
            robertsView = new Rows(lines);
        }

        var scrum = new Table().Border(TableBorder.Rounded).Title("[bold]scrum[/] — delivery")
            .AddColumn("team").AddColumn("state").AddColumn(new TableColumn("sprint").RightAligned())
            .AddColumn(new TableColumn("next").RightAligned()).AddColumn(new TableColumn("backlog").RightAligned());
        foreach (var team in states.Scrum.Teams)
        {
            scrum.AddRow(Markup.Escape(team.Team), $"[yellow]{Markup.Escape(team.State)}[/]",
                team.CurrentSprint?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Number(team.NextSprint), Number(team.BacklogItems));
        }

        var sprints = new Table().Border(TableBorder.Rounded).Title("running sprints")
            .AddColumn("team").AddColumn(new TableColumn("sprint").RightAligned()).AddColumn("state")
            .AddColumn(new TableColumn("items").RightAligned()).AddColumn(new TableColumn("done").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned()).AddColumn("ends");
        foreach (var sprint in states.Scrum.RunningSprints)
        {
            sprints.AddRow(Markup.Escape(sprint.Team), Number(sprint.Number), $"[yellow]{Naming.Kebab(sprint.State)}[/]",
                Number(sprint.Items), Number(sprint.Completed), Number(sprint.Failed),
                sprint.EndsAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }

        var lean = new Table().Border(TableBorder.Rounded).Title("[bold]lean[/] — improvement (DMAIC)")
            .AddColumn(new TableColumn("project").NoWrap()).AddColumn("team").AddColumn("phase").AddColumn(new TableColumn("sprint").RightAligned()).AddColumn("outcome");
        foreach (var project in states.Lean.Projects)
        {
            lean.AddRow(Markup.Escape(project.Id), Markup.Escape(project.Team), $"[yellow]{Naming.Kebab(project.Phase)}[/]",
                project.Sprint?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Markup.Escape(project.Outcome ?? "-"));
        }

        var remediation = new Table().Border(TableBorder.Rounded).Title("[bold]remediation[/] — self-healing")
            .AddColumn(new TableColumn("remediation").NoWrap()).AddColumn("alert").AddColumn("kind").AddColumn("target").AddColumn("state").AddColumn("started");
        foreach (var active in states.Remediation.Active)
        {
            remediation.AddRow(
                Markup.Escape(active.Id), Markup.Escape(active.Alert), Naming.Kebab(active.Kind),
                Markup.Escape(active.Team ?? active.AgentName ?? "-"), $"[yellow]{Naming.Kebab(active.State)}[/]",
                active.StartedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }

        foreach (var circuit in states.Remediation.Shedding)
        {
            remediation.AddRow(Markup.Escape(circuit.RemediationId), Markup.Escape(circuit.Alert), "shed-load", Markup.Escape(circuit.Team), "[red]shedding load[/]", "-");
        }

        IRenderable remediationView = remediation;
        if (width < AgentsRemediationTableWidth && remediation.Rows.Count > 0)
        {
            // Six columns do not fit: one line per remediation, kept whole (the terminal wraps it if it must).
            var lines = new List<IRenderable> { new Markup("[bold]remediation[/] — self-healing\n") };
            foreach (var active in states.Remediation.Active)
            {
                lines.Add(Unwrapped.Line(
                    $"[bold]{Markup.Escape(active.Id)}[/]  {Markup.Escape(active.Alert)}  {Naming.Kebab(active.Kind)}  " +
                    $"{Markup.Escape(active.Team ?? active.AgentName ?? "-")}  [yellow]{Naming.Kebab(active.State)}[/]  " +
                    $"[grey]started {active.StartedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}[/]"));
            }

            foreach (var circuit in states.Remediation.Shedding)
            {
                lines.Add(Unwrapped.Line($"[bold]{Markup.Escape(circuit.RemediationId)}[/]  {Markup.Escape(circuit.Alert)}  shed-load  {Markup.Escape(circuit.Team)}  [red]shedding load[/]"));
            }

            remediationView = new Rows(lines);
        }

        var work = new Table().Border(TableBorder.Rounded).Title("[bold]work[/]").AddColumn("status").AddColumn(new TableColumn("items").RightAligned());
        foreach (var (status, count) in states.Work.ByStatus)
        {
            work.AddRow(Markup.Escape(status), Number(count));
        }

        work.Caption($"{states.Work.Total} in all");
        return new Rows(
            robertsView,
            Or(scrum, "[bold]scrum[/] — no team has work yet"),
            Or(sprints, "[grey]no sprint running[/]"),
            Or(lean, "[bold]lean[/] — no improvement project"),
            remediation.Rows.Count > 0 ? remediationView : new Markup("[bold]remediation[/] — nothing being remediated\n"),
            Or(work, "[bold]work[/] — none claimed"));
    }

    private static IRenderable Or(Table table, string empty) => table.Rows.Count > 0 ? table : new Markup(empty + "\n");

    /// <summary>The bus in effect, its consumer's last run and totals, and the dead letters waiting.</summary>
    public static IRenderable Bus(Swarm.Domain.Events.BusReport bus)
    {
        var grid = new Grid().AddColumn().AddColumn();
        Row(grid, "bus", $"[bold]{Markup.Escape(bus.Kind)}[/]");
        Row(grid, "how", Markup.Escape(bus.Description));
        if (bus.Namespace is not null)
        {
            Row(grid, "namespace", Markup.Escape(bus.Namespace));
            Row(grid, "topic", Markup.Escape(bus.Topic ?? "-"));
            Row(grid, "subscription", Markup.Escape(bus.Subscription ?? "-"));
            Row(grid, "consumer", Markup.Escape(bus.Consumer ?? "-"));
        }

        var ledger = bus.Ledger;
        // The in-process bus routes inside the publishing call: it has no consumer runs, only totals.
        if (ledger.LastRun is { } run)
        {
            Row(grid, "last run", Markup.Escape(RunText(run)));
        }
        else if (bus.Namespace is not null)
        {
            Row(grid, "last run", "[grey]none recorded[/]");
        }

        if (ledger.LastActiveRun is { } active && active != ledger.LastRun)
        {
            Row(grid, "last busy run", Markup.Escape(RunText(active)));
        }

        Row(grid, "handled", Markup.Escape(
            $"{ledger.Received} received, {ledger.Completed} completed, {ledger.DeadLettered} dead-lettered, {ledger.Abandoned} abandoned" +
            (ledger.Runs > 0 ? $" in {ledger.Runs} recorded runs" : string.Empty)));
        Row(grid, "dead letters", bus.DeadLetters == 0 ? "[green]0[/]" : $"[red]{Number(bus.DeadLetters)}[/] waiting — swarm bus dead-letters");
        return grid;
    }

    /// <summary>Dead letters as a table: id to resubmit by, event, reason, deliveries, when.</summary>
    public static IRenderable DeadLetters(DeadLetterList list)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("dead letters")
            .AddColumn(new TableColumn("id").NoWrap()).AddColumn("event").AddColumn("team").AddColumn("reason").AddColumn("description")
            .AddColumn(new TableColumn("deliveries").RightAligned()).AddColumn("enqueued");
        foreach (var item in list.Items)
        {
            table.AddRow(
                Markup.Escape(item.Id), Markup.Escape(item.EventType ?? item.MessageId ?? "-"), Markup.Escape(item.Team ?? "-"),
                $"[red]{Markup.Escape(item.Reason)}[/]", Markup.Escape(item.Description ?? "-"), Number(item.DeliveryCount),
                item.EnqueuedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }

        table.Caption(list.Count == 0 ? "none" : $"{list.Count} listed; swarm bus resubmit <id> publishes one again");
        return table;
    }

    /// <summary>Console width from which <see cref="Agents"/> shows remediations as a table (six columns), else one line each: 120.</summary>
    public const int AgentsRemediationTableWidth = 120;

    /// <summary>Below this many columns <c>swarm agents</c> lists open motions as lines: seven columns broke a cell a letter per line at 80.</summary>
    public const int AgentsMotionTableWidth = 120;

    /// <summary>
    /// The narrowest console on which <see cref="Incidents"/> is one table row per incident: 150, or more when the
    /// incidents' ids, keys and alert names need it (<see cref="IncidentTableNeeds"/>).
    /// </summary>
    public const int IncidentTableWidth = 150;

    /// <summary>Room the incident table's outcome column gets at the least, in columns: 24 (it wraps).</summary>
    private const int IncidentOutcomeWidth = 24;

    /// <summary>
    /// Incidents, newest first: a table when the console is at least <see cref="IncidentTableWidth"/> wide and every
    /// cell that must stay whole fits (<see cref="IncidentTableNeeds"/>), else three lines per incident (id, state,
    /// alert and opening time; policy × target and counts; outcome), so no id, key or time is broken.
    /// </summary>
    public static IRenderable Incidents(IncidentList list, int width)
    {
        if (list.Count == 0 || width >= Math.Max(IncidentTableWidth, IncidentTableNeeds(list)))
        {
            return IncidentTable(list);
        }

        var rows = new List<IRenderable> { new Markup("[bold]remediation[/] — incidents\n") };
        foreach (var incident in list.Items)
        {
            var opened = incident.OpenedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-";
            rows.Add(new Markup(
                $"[bold]{Markup.Escape(incident.Id)}[/]  {StateOf(incident.State)}  {Markup.Escape(incident.Alert)}  [grey]opened {opened}[/]\n" +
                $"  {Markup.Escape(incident.IncidentKey)}\n" +
                $"  firing {Number(incident.StillFiring)}/{Number(incident.Sources.Count)} · " +
                $"{Number(incident.Deliveries)} {(incident.Deliveries == 1 ? "delivery" : "deliveries")} · {Number(incident.Suppressed)} suppressed\n" +
                (OutcomeOf(incident) is { } outcome ? $"  [grey]{Markup.Escape(outcome)}[/]\n" : string.Empty)));
        }

        rows.Add(new Markup($"[grey]{list.Count} incident{(list.Count == 1 ? string.Empty : "s")}; swarm remediations show <incident> for its timeline[/]\n"));
        return new Rows(rows);
    }

    /// <summary>
    /// Columns the incident table takes with every cell but the outcome whole: the widest cell (or header) of each
    /// column, the opening time's 20, <see cref="IncidentOutcomeWidth"/> for the outcome, and 3 a column for padding and
    /// rules (plus the closing rule). An Alertmanager or Grafana key with a label hash is about 60 alone.
    /// </summary>
    public static int IncidentTableNeeds(IncidentList list)
    {
        int Widest(string header, Func<IncidentSummary, string> cell) =>
            list.Items.Select(i => cell(i).Length).Append(header.Length).Max();
        int[] columns =
        [
            Widest("incident", i => i.Id),
            Widest("policy × target", i => i.IncidentKey),
            Widest("alert", i => i.Alert),
            Widest("state", i => Naming.Kebab(i.State)),
            Widest("sources", i => $"{Number(i.StillFiring)}/{Number(i.Sources.Count)}"),
            Widest("deliveries", i => Number(i.Deliveries)),
            Widest("suppressed", i => Number(i.Suppressed)),
            "2026-11-30 21:20:31Z".Length,
            IncidentOutcomeWidth,
        ];
        return columns.Sum() + (3 * columns.Length) + 1;
    }

    private static Table IncidentTable(IncidentList list)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]remediation[/] — incidents")
            .AddColumn(new TableColumn("incident").NoWrap()).AddColumn(new TableColumn("policy × target").NoWrap()).AddColumn(new TableColumn("alert").NoWrap())
            .AddColumn(new TableColumn("state").NoWrap())
            .AddColumn(new TableColumn("sources").RightAligned()).AddColumn(new TableColumn("deliveries").RightAligned())
            .AddColumn(new TableColumn("suppressed").RightAligned()).AddColumn(new TableColumn("opened").NoWrap()).AddColumn("outcome");
        foreach (var incident in list.Items)
        {
            table.AddRow(
                Markup.Escape(incident.Id), Markup.Escape(incident.IncidentKey), Markup.Escape(incident.Alert),
                StateOf(incident.State),
                $"{Number(incident.StillFiring)}/{Number(incident.Sources.Count)}", Number(incident.Deliveries), Number(incident.Suppressed),
                incident.OpenedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-", Markup.Escape(OutcomeOf(incident) ?? "-"));
        }

        table.Caption(list.Count == 0 ? "no incidents" : $"{list.Count} incident{(list.Count == 1 ? string.Empty : "s")}; sources = still firing/all; swarm remediations show <incident> for its timeline");
        return table;
    }

    /// <summary>Console width from which <see cref="Incident"/> shows its timeline as a table (time, step, what, trace): 120.</summary>
    public const int TimelineTableWidth = 120;

    /// <summary>
    /// One incident: what it is, then its audit trail as a timeline — a table on a console at least
    /// <see cref="TimelineTableWidth"/> wide, else two lines per step (time, step and trace id; what happened), so no
    /// trace id is broken.
    /// </summary>
    public static IRenderable Incident(Swarm.Domain.Remediation.AlertRemediation incident, int width)
    {
        var grid = new Grid().AddColumn().AddColumn();
        Row(grid, "incident", $"[bold]{Markup.Escape(incident.Id)}[/] — {Markup.Escape(incident.IncidentKey)}");
        Row(grid, "policy", Naming.Kebab(incident.Kind));
        Row(grid, "state", $"[yellow]{Naming.Kebab(incident.State)}[/]");
        Row(grid, "sources", Markup.Escape($"{incident.Sources.Count(s => s.Firing)} of {incident.Sources.Count} firing"));
        Row(grid, "outcome", Markup.Escape(incident.Outcome ?? "-"));
        if (Escalation(incident.Escalated, incident.EscalationMotionId, incident.EscalationDecision) is { } escalation)
        {
            Row(grid, "escalation", Markup.Escape(escalation));
        }

        if (incident.CooldownUntil is { } until)
        {
            Row(grid, "cooldown", Markup.Escape($"until {until.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}; {Count(incident.Suppressed, "firing")} suppressed"));
        }

        // A source's id (an Azure Monitor alert id is a resource path) is one unbroken line, however long: the terminal
        // wraps it if it must, never the table.
        var sources = new Unwrapped(new Markup(string.Concat(incident.Sources.Select(s =>
            $"  [grey]source[/] {Markup.Escape(s.Identity)} ({(s.Firing ? "firing" : "resolved")}, {s.Deliveries} {(s.Deliveries == 1 ? "delivery" : "deliveries")})\n"))));
        if (width < TimelineTableWidth)
        {
            var lines = new List<IRenderable> { grid, sources, new Markup("\n[bold]timeline[/]\n") };
            foreach (var step in incident.Steps)
            {
                lines.Add(new Markup(
                    $"{step.At.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)}  [bold]{Markup.Escape(step.Step)}[/]" +
                    $"{(step.TraceId is { } trace ? $"  [grey]trace {Markup.Escape(trace)}[/]" : string.Empty)}"));
                lines.Add(new Padder(new Markup(Markup.Escape(step.Detail)), new Padding(2, 0, 0, 1)));
            }

            if (incident.StepsDropped > 0)
            {
                lines.Add(new Markup($"[grey]{incident.StepsDropped} older steps not kept[/]\n"));
            }

            return new Rows(lines);
        }

        var timeline = new Table().Border(TableBorder.Rounded).Title("timeline")
            .AddColumn(new TableColumn("time").NoWrap()).AddColumn("step").AddColumn("what").AddColumn(new TableColumn("trace").NoWrap());
        foreach (var step in incident.Steps)
        {
            timeline.AddRow(
                step.At.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture), $"[bold]{Markup.Escape(step.Step)}[/]",
                Markup.Escape(step.Detail), Markup.Escape(step.TraceId ?? "-"));
        }

        if (incident.StepsDropped > 0)
        {
            timeline.Caption($"{incident.StepsDropped} older steps not kept");
        }

        return new Rows(grid, sources, timeline);
    }

    private static string RunText(Swarm.Domain.Events.BusConsumerRun run) =>
        $"{run.EndedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture)} by {run.Consumer}: {run.Received} received, " +
        $"{run.Completed} completed, {run.DeadLettered} dead-lettered, {run.Abandoned} abandoned (ended: {run.Ended})";

    /// <summary>An incident's state as markup: resolved in green, open states in yellow.</summary>
    private static string StateOf(Swarm.Domain.Remediation.RemediationState state) =>
        state == Swarm.Domain.Remediation.RemediationState.Resolved ? "[green]resolved[/]" : $"[yellow]{Naming.Kebab(state)}[/]";

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>How an incident ended and whether it escalated, as one sentence; null while neither is known.</summary>
    private static string? OutcomeOf(IncidentSummary incident) =>
        string.Join("; ", new[] { incident.Outcome, Escalation(incident) }.OfType<string>()) is { Length: > 0 } text
            ? text
            : null;

    /// <summary>
    /// An incident's escalation as a phrase, or null when it did not escalate: <c>escalated to the board: motion {id},
    /// awaiting its decision</c>, <c>… decided: {reason}</c>, or <c>escalated as a notice at a higher severity</c>
    /// (an incident without a team has no board).
    /// </summary>
    public static string? Escalation(bool escalated, string? motionId, string? decision) =>
        !escalated ? null
        : motionId is null ? "escalated as a notice at a higher severity"
        : $"escalated to the board: motion {motionId}, {(decision is null ? "awaiting its decision" : $"decided: {decision}")}";

    /// <summary>The escalation of a listed incident, as <see cref="Escalation(bool, string?, string?)"/> says it.</summary>
    public static string? Escalation(IncidentSummary incident) =>
        Escalation(incident.Escalated, incident.EscalationMotionId, incident.EscalationDecision);

    /// <summary>A size in story points, singular or plural: <c>1 point</c>, <c>5 points</c>.</summary>
    public static string Points(int points) => Count(points, "point");

    /// <summary><paramref name="value"/> and <paramref name="noun"/>, with an s unless it is one ("1 vote", "0 objections").</summary>
    private static string Count(int value, string noun) => $"{Number(value)} {noun}{(value == 1 ? string.Empty : "s")}";

    private static void Row(Grid grid, string name, string markup) => grid.AddRow($"[grey]{name}[/]", markup);

    private static void Optional(Grid grid, string name, string? text)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            Row(grid, name, Markup.Escape(text));
        }
    }
}

/// <summary>
/// Renders <paramref name="inner"/> as if the console had no width limit, so that text which must stay whole (an id, a
/// resource path) is never broken by Spectre.Console; the terminal wraps a long line itself, and a file keeps it whole.
/// </summary>
internal sealed class Unwrapped(IRenderable inner) : Renderable
{
    private const int Unlimited = 10_000;

    /// <summary>One line of <paramref name="markup"/> (Spectre.Console markup, escaped by the caller), kept whole.</summary>
    public static Unwrapped Line(string markup) => new(new Markup(markup + "\n"));

    protected override Measurement Measure(RenderOptions options, int maxWidth) => new(maxWidth, maxWidth);

    protected override IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => inner.Render(options, Unlimited);
}
