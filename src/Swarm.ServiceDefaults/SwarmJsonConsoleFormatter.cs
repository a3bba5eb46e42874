using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Swarm.ServiceDefaults;

/// <summary>
/// One JSON object per log record on standard output, with the <c>trace_id</c> and <c>span_id</c> of the span it
/// was written in, so a console log line leads to its trace. The console logger formats on the logging thread,
/// where <see cref="Activity.Current"/> is the caller's span.
/// </summary>
public sealed class SwarmJsonConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "swarm-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTimeOffset.UtcNow);
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                json.WriteNumber("event_id", logEntry.EventId.Id);
            }

            if (logEntry.EventId.Name is { } eventName)
            {
                json.WriteString("event_name", eventName);
            }

            json.WriteString("message", message);
            if (Activity.Current is { } span)
            {
                json.WriteString("trace_id", span.TraceId.ToHexString());
                json.WriteString("span_id", span.SpanId.ToHexString());
            }

            if (logEntry.Exception is { } error)
            {
                json.WriteString("exception", error.ToString());
            }

            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> attributes)
            {
                json.WriteStartObject("attributes");
                foreach (var (key, value) in attributes)
                {
                    if (key != "{OriginalFormat}")
                    {
                        WriteValue(json, key, value);
                    }
                }

                json.WriteEndObject();
            }

            if (scopeProvider is not null)
            {
                json.WriteStartArray("scopes");
                scopeProvider.ForEachScope(static (scope, writer) => WriteScope(writer, scope), json);
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        textWriter.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteScope(Utf8JsonWriter json, object? scope)
    {
        if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            json.WriteStartObject();
            foreach (var (key, value) in pairs)
            {
                WriteValue(json, key, value);
            }

            json.WriteEndObject();
        }
        else
        {
            json.WriteStringValue(scope?.ToString());
        }
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case ulong u:
                json.WriteNumber(key, u);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                json.WriteNumber(key, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }
}
