using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;

namespace Swarm.Functions;

/// <summary>
/// Makes a function's <c>[DurableClient]</c> binding the Durable client of its invocation, so the agents' services
/// (constructor-injected into the function classes) reach the Durable backend the host names for this invocation.
/// This is the supported way: in the isolated worker the host hands out a client only as a binding.
/// </summary>
internal sealed class DurableClientMiddleware : IFunctionsWorkerMiddleware
{
    private const string DurableClientBinding = "durableClient";

    private readonly ConcurrentDictionary<string, BindingMetadata?> _bindings = new();

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var binding = _bindings.GetOrAdd(context.FunctionId, static (_, c) => Find(c.FunctionDefinition), context);

        // Orchestrators have no client binding and must not go asynchronous here: they pass straight through.
        return binding is null ? next(context) : BindAsync(context, binding, next);
    }

    private static async Task BindAsync(FunctionContext context, BindingMetadata binding, FunctionExecutionDelegate next)
    {
        var client = await context.BindInputAsync<DurableTaskClient>(binding);
        context.InstanceServices.GetRequiredService<InvocationDurableClient>().Bind(
            client.Value ?? throw new InvalidOperationException($"The Functions host sent no Durable client to {context.FunctionDefinition.Name}."));
        await next(context);
    }

    private static BindingMetadata? Find(FunctionDefinition function) =>
        function.InputBindings.Values.FirstOrDefault(b => string.Equals(b.Type, DurableClientBinding, StringComparison.OrdinalIgnoreCase));
}
