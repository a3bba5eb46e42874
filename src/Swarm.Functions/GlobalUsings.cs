global using Microsoft.AspNetCore.Http;
global using Microsoft.Azure.Functions.Worker;
global using Microsoft.DurableTask;
global using Microsoft.DurableTask.Client;
global using Swarm.Domain;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Logging;
