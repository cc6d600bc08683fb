'use strict';
// A real gRPC client (@grpc/grpc-js) that runs one scenario against a server and prints what happened as
// JSON lines on stdout: {"event":"metadata"}, {"event":"message"} (each), {"event":"status"}, {"event":"done"}.
//
//   node client.js 127.0.0.1:PORT '{"method":"Echo","request":{...},"metadata":{...},"deadlineMs":100}'
//
// Scenario fields: method (Echo | Count | Check | Watch), request, metadata ({key: value or [values]}, -bin
// values base64), deadlineMs, cancelAfterMs (cancel that long after the start), cancelAfterMessages
// (cancel once that many messages arrived), cancelAfterHeaders (cancel when the response headers arrive).
const { grpc, load, metadataToJson, metadataFromJson } = require('./protos');

const [address, scenarioJson] = process.argv.slice(2);
if (!address || !scenarioJson) {
  process.stderr.write('usage: node client.js HOST:PORT SCENARIO_JSON\n');
  process.exit(2);
}

const scenario = JSON.parse(scenarioJson);
const { EchoService, Health } = load();
const isHealth = scenario.method === 'Check' || scenario.method === 'Watch';
const Client = isHealth ? Health : EchoService;
const client = new Client(address, grpc.credentials.createInsecure());

function report(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

const options = {};
if (scenario.deadlineMs) options.deadline = new Date(Date.now() + scenario.deadlineMs);
const metadata = metadataFromJson(scenario.metadata);
const request = scenario.request || {};
const streaming = scenario.method === 'Count' || scenario.method === 'Watch';

let call;
let received = 0;
if (streaming) {
  call = client[scenario.method](request, metadata, options);
  call.on('data', (message) => {
    received++;
    report({ event: 'message', message });
    if (scenario.cancelAfterMessages && received >= scenario.cancelAfterMessages) call.cancel();
  });
  call.on('error', () => { /* reported through 'status' */ });
} else {
  call = client[scenario.method](request, metadata, options, (error, message) => {
    if (!error) report({ event: 'message', message });
  });
}

call.on('metadata', (headers) => {
  report({ event: 'metadata', metadata: metadataToJson(headers) });
  if (scenario.cancelAfterHeaders) call.cancel();
});
call.on('status', (status) => {
  report({ event: 'status', code: status.code, details: status.details, metadata: metadataToJson(status.metadata) });
  report({ event: 'done' });
  client.close();
});

if (scenario.cancelAfterMs) setTimeout(() => call.cancel(), scenario.cancelAfterMs);
