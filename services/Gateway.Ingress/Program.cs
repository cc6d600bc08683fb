using Gateway.Ingress;

var builder = IngressApp.CreateBuilder(args);

// The Auth/Quota/Routing/Metering adapters plug in here with one line once the gRPC client library lands, e.g.
// builder.Services.AddIngressDependencies<GrpcKeyVerifier, GrpcQuotaGate, GrpcRouteResolver, GrpcKeyAdmin, GrpcUsageReader>();
// Until then Build stops with a message naming the missing adapters.

var app = IngressApp.Build(builder);
app.Run();
