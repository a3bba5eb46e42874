global using Microsoft.AspNetCore.Http;
global using Microsoft.Azure.Functions.Worker;
global using Microsoft.DurableTask;
global using Microsoft.DurableTask.Client;
global using Swarm.Domain;
