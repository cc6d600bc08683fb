using Gateway.Benchmarks;

// Issue 5's side-by-side benchmark: the simulator directly, the bare .NET hop, the full gateway stack and Portkey,
// measured in one run under the same load. Run it through tests/Benchmarks/run.sh (private network namespace).
// Options: --out <dir> (default docs/benchmarks/<UTC date>), --quick (short phases, for a smoke run).
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var options = BenchmarkOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Gateway.Benchmarks [--out <dir>] [--quick] [--no-portkey] [--no-idle-streams]");
    return 2;
}

return await new Harness(options).RunAsync(cancellation.Token);
