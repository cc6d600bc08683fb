namespace Gateway.Grpc;

/// <summary>The outcome of a call: a status code and a human-readable detail (sent as grpc-message).</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, "");

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
