using Grpc.Health.V1;
using Interop.V1;

namespace Gateway.Grpc.Tests.Core;

public sealed class MethodTests
{
    [Fact]
    public void Ctor_Unary_HasFullNameAndType()
    {
        var method = new Method<EchoRequest, EchoResponse>(EchoReflection.Descriptor.Services[0], "Echo");

        Assert.Equal("/interop.v1.EchoService/Echo", method.FullName);
        Assert.Equal("interop.v1.EchoService", method.ServiceName);
        Assert.Equal(MethodType.Unary, method.Type);
    }

    [Fact]
    public void Ctor_ServerStreaming_IsServerStreaming()
    {
        var method = new Method<HealthCheckRequest, HealthCheckResponse>(HealthReflection.Descriptor.Services[0], "Watch");

        Assert.Equal(MethodType.ServerStreaming, method.Type);
        Assert.Equal("/grpc.health.v1.Health/Watch", method.FullName);
    }

    [Fact]
    public void Ctor_UnknownMethod_ThrowsNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Method<EchoRequest, EchoResponse>(EchoReflection.Descriptor.Services[0], "Nope"));

        Assert.Contains("Nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_WrongRequestType_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Method<CountRequest, EchoResponse>(EchoReflection.Descriptor.Services[0], "Echo"));

        Assert.Contains("interop.v1.EchoService/Echo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_WrongResponseType_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new Method<EchoRequest, CountResponse>(EchoReflection.Descriptor.Services[0], "Echo"));
    }

    [Fact]
    public void Ctor_ClientStreaming_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Method<EchoRequest, EchoResponse>(UnsupportedReflection.Descriptor.Services[0], "Upload"));

        Assert.Contains("client", error.Message, StringComparison.Ordinal);
    }
}
