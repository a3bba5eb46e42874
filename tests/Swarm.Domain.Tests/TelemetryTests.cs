using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Swarm.Domain.Roberts;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Tests;

/// <summary>Activity and meter listeners are process-wide, so these tests never run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}

[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests
{
    private const string TestTag = "test.id";

    [Fact]
    public void A_transition_produces_a_span_with_framework_agent_and_transition_attributes()
    {
        using var capture = new TelemetryCapture();
        var testId = Guid.NewGuid().ToString("N");

        using (var command = CommandTelemetry.Start(new CapturingLogger(), "roberts.motion.open", Framework.Roberts, "motion m1").Tag(TestTag, testId))
        {
            Assert.NotNull(command.Span);
            Assert.Equal(command.Span.Id, command.TraceParent);
            command.Transitioned(MotionState.Idle, MotionState.MotionOpen);
        }

        var span = Assert.Single(capture.Spans(testId));
        Assert.Equal("roberts.motion.open", span.OperationName);
        Assert.Equal("roberts", span.GetTagItem("swarm.framework"));
        Assert.Equal("roberts-agent", span.GetTagItem("swarm.agent.name"));
        Assert.Equal("idle", span.GetTagItem("swarm.agent.transition.from"));
        Assert.Equal("motion-open", span.GetTagItem("swarm.agent.transition.to"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public void A_transition_counts_the_transition_and_the_successful_command()
    {
        using var capture = new TelemetryCapture();
        var spanName = $"roberts.motion.open.{Guid.NewGuid():N}";
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        using (var command = CommandTelemetry.Start(new CapturingLogger(), spanName, Framework.Roberts, "motion m1"))
        {
            command.Transitioned(MotionState.Idle, MotionState.MotionOpen);
        }

        var transition = Assert.Single(capture.Measurements("swarm.agent.state_transitions"), m =>
            Equals(m.Tags.GetValueOrDefault("swarm.agent.transition.from"), "idle")
            && Equals(m.Tags.GetValueOrDefault("swarm.agent.transition.to"), "motion-open"));
        Assert.Equal(1.0, transition.Value);
        Assert.Equal("roberts-agent", transition.Tags["swarm.agent.name"]);
        Assert.Equal("roberts", transition.Tags["swarm.framework"]);

        var executed = Assert.Single(capture.Measurements("swarm.agent.commands_executed"), m => Equals(m.Tags.GetValueOrDefault("swarm.agent.command"), spanName));
        Assert.Equal(1.0, executed.Value);
        Assert.Equal("true", executed.Tags["success"]);
        Assert.Equal("roberts", executed.Tags["swarm.framework"]);

        var duration = Assert.Single(capture.Measurements("swarm.agent.span_processing.duration"), m => Equals(m.Tags.GetValueOrDefault("swarm.agent.command"), spanName));
        Assert.InRange(duration.Value, 0.0, 60.0);

        var timestamp = Assert.Single(capture.Measurements("swarm.agent.last_transition.timestamp"));
        Assert.Equal("roberts-agent", timestamp.Tags["swarm.agent.name"]);
        Assert.InRange(timestamp.Value, before, (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0) + 1);
    }

    [Fact]
    public void A_failed_command_counts_as_unsuccessful_and_marks_the_span_as_error()
    {
        using var capture = new TelemetryCapture();
        var testId = Guid.NewGuid().ToString("N");
        var spanName = $"roberts.vote.cast.{testId}";
        var error = new IllegalTransitionException("motion", "closed", "vote");

        using (var command = CommandTelemetry.Start(new CapturingLogger(), spanName, Framework.Roberts, "motion m1").Tag(TestTag, testId))
        {
            command.Fail(error);
        }

        var span = Assert.Single(capture.Spans(testId));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(error.Message, span.StatusDescription);
        Assert.Contains(span.Events, e => e.Name == "exception");

        var executed = Assert.Single(capture.Measurements("swarm.agent.commands_executed"), m => Equals(m.Tags.GetValueOrDefault("swarm.agent.command"), spanName));
        Assert.Equal("false", executed.Tags["success"]);
        Assert.Empty(capture.Measurements("swarm.agent.state_transitions"));
    }

    [Fact]
    public void A_command_without_a_transition_records_no_transition()
    {
        using var capture = new TelemetryCapture();
        var spanName = $"scrum.work.progress.{Guid.NewGuid():N}";
        var logger = new CapturingLogger();

        using (CommandTelemetry.Start(logger, spanName, Framework.Scrum, "work item w1"))
        {
        }

        Assert.Empty(capture.Measurements("swarm.agent.state_transitions"));
        Assert.Empty(capture.Measurements("swarm.agent.last_transition.timestamp"));
        Assert.Single(capture.Measurements("swarm.agent.commands_executed"), m => Equals(m.Tags.GetValueOrDefault("swarm.agent.command"), spanName));
        Assert.Empty(logger.Records);
    }

    [Fact]
    public void A_transition_is_logged_as_AgentTransitioned()
    {
        var logger = new CapturingLogger();

        using (var command = CommandTelemetry.Start(logger, "roberts.motion.open", Framework.Roberts, "motion m1"))
        {
            command.Transitioned(MotionState.Idle, MotionState.MotionOpen);
        }

        var record = Assert.Single(logger.Records);
        Assert.Equal("AgentTransitioned", record.EventId.Name);
        Assert.Equal(1001, record.EventId.Id);
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.Equal("roberts-agent motion m1: idle → motion-open", record.Message);
    }

    [Theory]
    [InlineData(Framework.Roberts, "roberts", "roberts-agent")]
    [InlineData(Framework.Scrum, "scrum", "scrum-agent")]
    [InlineData(Framework.Lean, "lean", "lean-agent")]
    [InlineData(Framework.Remediation, "remediation", "remediation-agent")]
    public void Each_framework_tags_its_own_agent(Framework framework, string frameworkName, string agent)
    {
        using var capture = new TelemetryCapture();
        var testId = Guid.NewGuid().ToString("N");

        using (CommandTelemetry.Start(new CapturingLogger(), "any.span", framework, "subject").Tag(TestTag, testId))
        {
        }

        var span = Assert.Single(capture.Spans(testId));
        Assert.Equal(frameworkName, span.GetTagItem("swarm.framework"));
        Assert.Equal(agent, span.GetTagItem("swarm.agent.name"));
    }

    [Fact]
    public void A_command_continues_the_trace_of_a_traceparent()
    {
        using var capture = new TelemetryCapture();
        var testId = Guid.NewGuid().ToString("N");
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        using (CommandTelemetry.Start(new CapturingLogger(), "scrum.sprint.start", Framework.Scrum, "sprint 42", CommandTelemetry.ParseParent(traceParent)).Tag(TestTag, testId))
        {
        }

        var span = Assert.Single(capture.Spans(testId));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-traceparent")]
    public void A_missing_or_malformed_traceparent_gives_no_parent_and_no_link(string? traceParent)
    {
        Assert.Equal(default, CommandTelemetry.ParseParent(traceParent));
        Assert.Empty(CommandTelemetry.LinkTo(traceParent));
    }

    [Fact]
    public void Without_a_listener_no_span_is_created_and_telemetry_calls_are_safe()
    {
        // No ActivityListener here: the collection is not parallel, so none of the other tests' listeners is active.
        using var command = CommandTelemetry.Start(new CapturingLogger(), "roberts.motion.open", Framework.Roberts, "motion m1");

        Assert.Null(command.Span);
        Assert.Null(command.TraceParent);
        command.Tag("k", "v").Transitioned(MotionState.Idle, MotionState.MotionOpen);
        command.Fail(new InvalidOperationException("boom"));
    }

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to the "Swarm" source and meter for the duration of one test.</summary>
    private sealed class TelemetryCapture : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters;

        public TelemetryCapture()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Swarm",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _spans.Enqueue,
            };
            ActivitySource.AddActivityListener(_activities);

            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == "Swarm")
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meters.Start();
        }

        public IReadOnlyList<Activity> Spans(string testId) =>
            [.. _spans.Where(s => Equals(s.GetTagItem(TestTag), testId))];

        public IReadOnlyList<Measurement> Measurements(string instrument) =>
            [.. _measurements.Where(m => m.Instrument == instrument)];

        public void Dispose()
        {
            _meters.Dispose();
            _activities.Dispose();
        }

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            _measurements.Enqueue(new Measurement(instrument.Name, value, copy));
        }
    }
}

/// <summary>Keeps every log record written through it.</summary>
internal sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Records { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Records.Enqueue((logLevel, eventId, formatter(state, exception)));
}
