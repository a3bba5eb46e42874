using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.Domain.Events;
using Swarm.Functions;
using Swarm.ServiceDefaults;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<DurableClientMiddleware>();
builder.Services.AddSwarmFunctions(builder.Configuration);
// Durable state, activity inputs and HTTP bodies share one JSON convention (camelCase, kebab-case enums).
builder.Services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(SwarmJson.Options));
// The worker's OpenTelemetry defaults first, then Swarm's resource, sampler and exporters, which therefore win.
builder.Services.AddSwarmTelemetry(
    builder.Configuration,
    "swarm-functions",
    // The Durable extension in the Functions host assigns activity executions their parents, so the client-side spans
    // they may hang from are kept here unless Swarm:Telemetry:DurableTaskClientSpans says otherwise.
    o => o.DurableTaskClientSpans = builder.Configuration.GetValue("Swarm:Telemetry:DurableTaskClientSpans", true),
    configureHost: otel => otel.UseFunctionsWorkerDefaults());
builder.Build().Run();
