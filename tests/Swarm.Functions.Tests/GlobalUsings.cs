global using System.Net;
global using System.Text;
global using System.Text.Json;
global using Microsoft.DurableTask;
global using Microsoft.DurableTask.Client;
global using Microsoft.Extensions.DependencyInjection;
global using Swarm.Domain;
