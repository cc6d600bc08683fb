using System.Net;
using System.Net.Sockets;
using Gateway.AppHost.Hosting;

namespace Gateway.AppHost.Tests.Hosting;

public sealed class PortAllocatorTests
{
    [Fact]
    public void GetFreeTcpPort_CalledRepeatedly_ReturnsDistinctBindablePorts()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => PortAllocator.GetFreeTcpPort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [Fact]
    public void IsFree_PortHasListener_ReturnsFalse()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.False(PortAllocator.IsFree(port));
    }

    [Fact]
    public void SendSignal_ZeroOrMinusOne_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UnixProcess.SendSignal(0, UnixSignal.Terminate));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnixProcess.SendSignal(-1, UnixSignal.Kill));
    }

    [Fact]
    public void IsConnectionStart_FrameBytes_RecognisesOnlyConnectionStart()
    {
        byte[] start = [1, 0, 0, 0, 0, 1, 0xed, 0, 10, 0, 10, 0, 9];
        byte[] protocolHeaderReply = "AMQP\0\0\u0009\u0001\0\0\0"u8.ToArray();
        byte[] otherMethod = [1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 11];

        Assert.True(AmqpProbe.IsConnectionStart(start));
        Assert.False(AmqpProbe.IsConnectionStart(protocolHeaderReply));
        Assert.False(AmqpProbe.IsConnectionStart(otherMethod));
    }
}
