global using System.Diagnostics;
global using System.Text.Json;
global using System.Text.Json.Serialization;
global using Microsoft.DurableTask;
global using Microsoft.Extensions.Logging;
