using Gateway.AppHost.Hosting;
using Gateway.AppHost.Tests.Infrastructure;

namespace Gateway.AppHost.Tests.Hosting;

public sealed class RabbitMqNodeTests
{
    private static readonly TimeSpan s_probe = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StartAsync_OneNode_AnswersAmqpAndStopLeavesNoErlangProcess()
    {
        var node = await RabbitMqNode.StartAsync("apphosttest");
        try
        {
            Assert.Equal("apphosttest@localhost", node.NodeName);
            Assert.Equal($"amqp://guest:guest@127.0.0.1:{node.AmqpPort}/", node.ConnectionString);
            Assert.True(await AmqpProbe.IsReadyAsync(node.AmqpPort, s_probe));
            var pids = new List<int> { node.Pid, node.EpmdPid };
            pids.AddRange(UnixProcess.GetDescendants(node.Pid).Select(d => d.Pid));
            Assert.Contains("beam.smp", UnixProcess.GetCommandLine(node.Pid)[0]);
            var baseDirectory = node.BaseDirectory;

            await node.DisposeAsync();

            await ProcessAssert.AllGoneAsync(pids);
            Assert.False(await AmqpProbe.IsReadyAsync(node.AmqpPort, s_probe));
            Assert.False(Directory.Exists(baseDirectory));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_TwoNodesAtOnce_BothServeOnTheirOwnPorts()
    {
        var starts = new[] { RabbitMqNode.StartAsync(), RabbitMqNode.StartAsync() };
        try
        {
            var nodes = await Task.WhenAll(starts);
            var ports = nodes.SelectMany(n => new[] { n.AmqpPort, n.DistPort, n.EpmdPort }).ToList();
            Assert.Equal(ports.Count, ports.Distinct().Count());
            Assert.NotEqual(nodes[0].NodeName, nodes[1].NodeName);
            foreach (var node in nodes)
            {
                Assert.True(await AmqpProbe.IsReadyAsync(node.AmqpPort, s_probe));
            }

            var pids = nodes.SelectMany(n => new[] { n.Pid, n.EpmdPid }).ToList();
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));

            await ProcessAssert.AllGoneAsync(pids);
        }
        finally
        {
            // Also when one start failed: the other node may still be starting, and must not outlive the test.
            foreach (var start in starts)
            {
                var node = await start.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task StartAgainAsync_AfterStop_ServesOnSamePortWithNewProcess()
    {
        await using var node = await RabbitMqNode.StartAsync();
        var port = node.AmqpPort;
        var firstPid = node.Pid;

        await node.StopAsync();
        await ProcessAssert.AllGoneAsync([firstPid]);
        await node.StartAgainAsync();

        Assert.Equal(port, node.AmqpPort);
        Assert.NotEqual(firstPid, node.Pid);
        Assert.True(await AmqpProbe.IsReadyAsync(port, s_probe));
    }

    [Fact]
    public async Task StartAsync_RabbitMqNotInstalled_ThrowsWithInstallCommand()
    {
        var options = new RabbitMqNodeOptions { Binaries = new ServerBinaries { RabbitMqServer = "/nonexistent/rabbitmq-server" } };

        var ex = await Assert.ThrowsAsync<PrerequisiteMissingException>(() => RabbitMqNode.StartAsync(options));

        Assert.Contains(ServerBinaries.InstallCommand, ex.Message);
    }
}
