using Gateway.Simulator;

var app = SimulatorApp.Create(args);
await app.RunAsync();
