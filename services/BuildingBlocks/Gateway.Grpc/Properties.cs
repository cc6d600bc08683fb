using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Gateway.Grpc.Tests")]
