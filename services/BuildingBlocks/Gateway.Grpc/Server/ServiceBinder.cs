using System.Reflection;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Server;

/// <summary>
/// Matches a service class's methods to a protobuf service descriptor, by name, and builds one handler per
/// method. Runs once at map time; every mismatch is an <see cref="InvalidOperationException"/> naming the method.
/// </summary>
internal static class ServiceBinder
{
    public static List<ServerCallHandler> Bind<TService>(
        ServiceDescriptor service, bool serviceIsRegistered, GrpcServerOptions options, ILogger logger)
        where TService : class
    {
        var handlers = new List<ServerCallHandler>(service.Methods.Count);
        foreach (var method in service.Methods)
        {
            var fullName = "/" + service.FullName + "/" + method.Name;
            if (method.IsClientStreaming)
            {
                var kind = method.IsServerStreaming ? "bidirectional streaming" : "client streaming";
                throw new InvalidOperationException(
                    $"gRPC method '{fullName}' is {kind}; this gRPC layer supports unary and server-streaming methods only.");
            }

            var requestType = method.InputType.ClrType ?? throw new InvalidOperationException(
                $"gRPC method '{fullName}': message '{method.InputType.FullName}' has no generated C# type.");
            var responseType = method.OutputType.ClrType ?? throw new InvalidOperationException(
                $"gRPC method '{fullName}': message '{method.OutputType.FullName}' has no generated C# type.");
            var clrMethod = FindMethod(typeof(TService), method, fullName, requestType, responseType);

            var handlerType = typeof(ServerCallHandler<,,>).MakeGenericType(typeof(TService), requestType, responseType);
            var handler = (ServerCallHandler)Activator.CreateInstance(
                handlerType, method, clrMethod, serviceIsRegistered, options, logger)!;
            handlers.Add(handler);
        }

        return handlers;
    }

    private static MethodInfo FindMethod(Type serviceType, MethodDescriptor method, string fullName, Type requestType, Type responseType)
    {
        var expected = method.IsServerStreaming
            ? $"Task {method.Name}({requestType.Name} request, IServerStreamWriter<{responseType.Name}> responseStream, ServerCallContext context)"
            : $"Task<{responseType.Name}> {method.Name}({requestType.Name} request, ServerCallContext context)";

        var candidates = new List<MethodInfo>();
        foreach (var candidate in serviceType.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (candidate.Name == method.Name || candidate.Name == method.Name + "Async")
            {
                candidates.Add(candidate);
            }
        }

        if (candidates.Count == 0)
        {
            throw new InvalidOperationException(
                $"gRPC method '{fullName}': {serviceType.FullName} has no public method '{method.Name}'. Expected: {expected}.");
        }

        var matches = candidates.FindAll(c => Matches(c, method.IsServerStreaming, requestType, responseType));
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new InvalidOperationException(
                $"gRPC method '{fullName}': {serviceType.FullName}.{candidates[0].Name} has the wrong signature " +
                $"({Describe(candidates[0])}). Expected: {expected}."),
            _ => throw new InvalidOperationException(
                $"gRPC method '{fullName}': {serviceType.FullName} has more than one matching method ({string.Join(", ", matches.Select(m => m.Name))})."),
        };
    }

    private static bool Matches(MethodInfo candidate, bool serverStreaming, Type requestType, Type responseType)
    {
        if (candidate.IsGenericMethodDefinition)
        {
            return false;
        }

        var parameters = candidate.GetParameters();
        if (serverStreaming)
        {
            return candidate.ReturnType == typeof(Task)
                && parameters.Length == 3
                && parameters[0].ParameterType == requestType
                && parameters[1].ParameterType == typeof(IServerStreamWriter<>).MakeGenericType(responseType)
                && parameters[2].ParameterType == typeof(ServerCallContext);
        }

        return candidate.ReturnType == typeof(Task<>).MakeGenericType(responseType)
            && parameters.Length == 2
            && parameters[0].ParameterType == requestType
            && parameters[1].ParameterType == typeof(ServerCallContext);
    }

    private static string Describe(MethodInfo method) =>
        $"{TypeName(method.ReturnType)} {method.Name}({string.Join(", ", method.GetParameters().Select(p => TypeName(p.ParameterType)))})";

    private static string TypeName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>"
        : type.Name;
}
