using Gateway.BareHop;

// A bare forwarding hop for the benchmark: every request is sent as-is to BAREHOP_UPSTREAM (one pooled
// SocketsHttpHandler) and the response is copied back, flushed per read so streams pass through as they come.
// Listens on Kestrel__Endpoints__Http__Url (127.0.0.1); GET /health/ready answers 200 without forwarding.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddBareHop(builder.Configuration);

var app = builder.Build();
app.Run(app.Services.GetRequiredService<Forwarder>().HandleAsync);
app.Run();
