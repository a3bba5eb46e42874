using System.CommandLine;
using Swarm.Cli;

var root = new RootCommand("swarm: Roberts, Scrum and Lean agents on Durable Task, observed with OpenTelemetry.")
{
    DemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
