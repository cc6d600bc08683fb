namespace Gateway.Benchmarks;

internal sealed record BenchmarkOptions(
    string? OutputDirectory,
    bool Quick,
    bool Portkey,
    bool IdleStreams)
{
    public int LatencyRounds => Quick ? 2 : 6;
    public int LatencyPerRound => Quick ? 50 : 250;
    public int StreamRounds => Quick ? 2 : 4;
    public int StreamsPerRound => Quick ? 10 : 40;
    public int WrkSeconds => Quick ? 3 : 6;
    public int WrkRounds => Quick ? 1 : 2;
    public int IdleStreamCount => Quick ? 200 : 5000;
    public IReadOnlyList<int> Connections { get; } = [16, 64];

    public static BenchmarkOptions? Parse(string[] args)
    {
        string? output = null;
        bool quick = false, portkey = true, idle = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--no-portkey":
                    portkey = false;
                    break;
                case "--no-idle-streams":
                    idle = false;
                    break;
                default:
                    return null;
            }
        }

        return new BenchmarkOptions(output, quick, portkey, idle);
    }
}
