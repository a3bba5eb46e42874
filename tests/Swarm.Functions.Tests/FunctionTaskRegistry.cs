using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Swarm.Functions;

namespace Swarm.Functions.Tests;

/// <summary>One durable function of the Functions app: its <c>[Function]</c> name and the method behind it.</summary>
public sealed record DurableFunction(string Name, MethodInfo Method, bool IsOrchestrator);

/// <summary>
/// Registers the Functions app's own orchestrator and activity methods — found by their <c>[Function]</c>,
/// <c>[OrchestrationTrigger]</c> and <c>[ActivityTrigger]</c> attributes — with a Durable Task worker, so they run on
/// the embedded backend exactly as the Functions host would call them: orchestrators with their bound input,
/// activities on a function-class instance built from DI, with the Durable client for their <c>[DurableClient]</c>.
/// </summary>
public static class FunctionTaskRegistry
{
    public static IReadOnlyList<DurableFunction> DurableFunctions { get; } =
    [
        .. typeof(ApiFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(f => f.Function is not null)
            .Select(f => (f.Method, f.Function, Trigger: f.Method.GetParameters().Select(p => p.GetCustomAttributes().FirstOrDefault(a => a is OrchestrationTriggerAttribute or ActivityTriggerAttribute)).FirstOrDefault(a => a is not null)))
            .Where(f => f.Trigger is not null)
            .Select(f => new DurableFunction(f.Function!.Name, f.Method, f.Trigger is OrchestrationTriggerAttribute)),
    ];

    public static DurableTaskRegistry AddSwarmFunctionMethods(this DurableTaskRegistry registry)
    {
        foreach (var function in DurableFunctions)
        {
            if (function.IsOrchestrator)
            {
                registry.AddOrchestrator(function.Name, () => new FunctionOrchestrator(function.Method));
            }
            else
            {
                registry.AddActivity(function.Name, services => new FunctionActivity(function.Method, services));
            }
        }

        return registry;
    }

    private static async Task<object?> ResultOf(object? invoked)
    {
        var task = (Task)invoked!;
        await task;
        return task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
    }

    private static Type OutputOf(MethodInfo method) => method.ReturnType.GetGenericArguments().Single();

    private sealed class FunctionOrchestrator(MethodInfo method) : ITaskOrchestrator
    {
        private readonly ParameterInfo[] _parameters = method.GetParameters();

        public Type InputType => _parameters.Single(p => p.ParameterType != typeof(TaskOrchestrationContext)).ParameterType;

        public Type OutputType => OutputOf(method);

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) =>
            ResultOf(method.Invoke(null, [.. _parameters.Select(p => p.ParameterType == typeof(TaskOrchestrationContext) ? context : input)]));
    }

    private sealed class FunctionActivity(MethodInfo method, IServiceProvider services) : ITaskActivity
    {
        private readonly ParameterInfo[] _parameters = method.GetParameters();

        public Type InputType => _parameters.Single(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null).ParameterType;

        public Type OutputType => OutputOf(method);

        public Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var functions = ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
            var arguments = _parameters.Select(p =>
                p.GetCustomAttribute<ActivityTriggerAttribute>() is not null ? input
                : p.GetCustomAttribute<DurableClientAttribute>() is not null ? services.GetRequiredService<DurableTaskClient>()
                : throw new InvalidOperationException($"{method.Name} has a parameter {p.Name} the Functions host would not bind."));
            return ResultOf(method.Invoke(functions, [.. arguments]));
        }
    }
}
