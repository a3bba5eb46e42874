using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Swarm.Domain.Events;
using Swarm.Functions;
using Swarm.Hosting.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<DurableClientMiddleware>();
builder.Services.AddSwarmFunctions(builder.Configuration);
// Durable state, activity inputs and HTTP bodies share one JSON convention (camelCase, kebab-case enums).
builder.Services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(SwarmJson.Options));
// The telemetry pipeline (Swarm.Hosting/Telemetry) is added here.
builder.Build().Run();
