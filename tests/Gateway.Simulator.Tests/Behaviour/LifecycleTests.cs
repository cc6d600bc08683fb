using System.Net;
using Gateway.Simulator.Behaviour;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Behaviour;

/// <summary>A simulator whose host would wait two minutes for open requests when stopping.</summary>
public sealed class PatientShutdownSimulatorHost() : SimulatorHost("--shutdownTimeoutSeconds=120");

public sealed class LifecycleTests
{
    [Fact]
    public async Task Stop_WhileStreamIsStalled_EndsTheStreamWithoutWaitingForShutdownTimeout()
    {
        var host = new PatientShutdownSimulatorHost();
        await host.InitializeAsync();
        try
        {
            using var deadline = Wire.Deadline();
            using var response = await Wire.SendStreamingAsync(
                host.Client, Wires.Request(WireKind.OpenAi, "hi [sim fault=stall]", stream: true), deadline.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
            var reader = new SseReader(body);
            Assert.NotNull(await reader.ReadAsync(deadline.Token));

            // Stalls are linked to application stopping: the host stops long before its 120 s shutdown timeout.
            var stop = host.StopAsync();
            var finished = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20), deadline.Token));
            Assert.Same(stop, finished);
            await stop;

            var failure = await Record.ExceptionAsync(() => reader.ReadAsync(deadline.Token));
            Assert.IsAssignableFrom<IOException>(failure);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Stream_ClientLeavesMidStream_SimulationEndsAndSimulatorKeepsServing()
    {
        var host = new PatientShutdownSimulatorHost();
        await host.InitializeAsync();
        try
        {
            var metrics = host.Services.GetRequiredService<SimulatorMetrics>();
            using var deadline = Wire.Deadline();
            using (var response = await Wire.SendStreamingAsync(
                host.Client, Wires.Request(WireKind.Anthropic, "long [sim tokens=5 itl=600000]", stream: true), deadline.Token))
            {
                await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
                var reader = new SseReader(body);
                // The preamble and the first delta; the second delta is ten minutes away.
                for (var i = 0; i < Wires.PreambleCount(WireKind.Anthropic) + 1; i++)
                {
                    Assert.NotNull(await reader.ReadAsync(deadline.Token));
                }

                Assert.Equal(1, metrics.ActiveRequests);
            }

            // Only the client's abort (RequestAborted) can end the wait for the second delta.
            while (metrics.ActiveRequests != 0)
            {
                await Task.Delay(20, deadline.Token);
            }

            using var next = await host.Client.SendAsync(Wires.Request(WireKind.Anthropic, "after", stream: false), deadline.Token);
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
