global using System.Diagnostics;
global using System.Text.Json;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Logging;
global using Spectre.Console;
global using Swarm.Api.Client;
