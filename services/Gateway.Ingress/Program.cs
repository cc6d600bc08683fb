using Gateway.Ingress;
using Gateway.Ingress.Dependencies.Grpc;

var builder = IngressApp.CreateBuilder(args);
builder.Services.AddGrpcDependencies();

var app = IngressApp.Build(builder);
app.Run();
