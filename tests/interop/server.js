'use strict';
// A real gRPC server (@grpc/grpc-js) implementing interop.v1.EchoService, for the .NET client's interop tests.
// Binds 127.0.0.1 on a free port and prints {"event":"listening","port":N} on stdout; later lines report
// what it observed ({"event":"cancelled",...}). Every custom request metadata entry is echoed back in the
// response headers and again in the trailers (traceparent included).
const { grpc, load, metadataToJson } = require('./protos');

const { EchoService } = load();
const RESERVED = new Set(['user-agent', 'content-type', 'te', 'host', 'accept-encoding', 'content-length']);

function report(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function echoMetadata(incoming) {
  const metadata = new grpc.Metadata();
  for (const [key, values] of Object.entries(incoming.toJSON())) {
    if (RESERVED.has(key) || key.startsWith('grpc-') || key.startsWith(':')) continue;
    for (const value of values) metadata.add(key, value);
  }
  return metadata;
}

function deadlineMs(call) {
  // A Date, or a number of Unix ms (Infinity when the call has no deadline).
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) ? String(Math.floor(ms)) : '0';
}

function echo(call, callback) {
  const request = call.request;
  const metadata = echoMetadata(call.metadata);
  let timer = null;
  let cancelled = false;
  let finished = false;
  let headersSent = false;
  // grpc-js also emits 'cancelled' when a finished call's stream closes: report only real cancellations.
  call.on('cancelled', () => {
    if (finished) return;
    cancelled = true;
    if (timer) clearTimeout(timer);
    report({ event: 'cancelled', method: 'Echo', tag: request.message, metadata: metadataToJson(call.metadata) });
  });
  const respond = () => {
    if (cancelled) return;
    finished = true;
    if (request.fail_code) {
      if (!request.fail_before_headers && !headersSent) call.sendMetadata(metadata);
      callback({ code: request.fail_code, details: request.fail_message, metadata: metadata.clone() });
      return;
    }
    if (!headersSent) call.sendMetadata(metadata);
    callback(null, {
      message: request.message,
      payload: request.payload,
      padding: Buffer.alloc(request.response_padding).toString('base64'),
      deadline_unix_ms: deadlineMs(call),
      trace_id: '',
      parent_span_id: '',
    }, metadata.clone());
  };
  if (request.sleep_ms > 0) report({ event: 'started', method: 'Echo', tag: request.message });
  if (request.headers_first) {
    call.sendMetadata(metadata);
    headersSent = true;
  }
  if (request.sleep_ms > 0) timer = setTimeout(respond, request.sleep_ms);
  else respond();
}

function count(call) {
  const request = call.request;
  const metadata = echoMetadata(call.metadata);
  let index = 0;
  let timer = null;
  let cancelled = false;
  let finished = false;
  call.on('cancelled', () => {
    if (finished) return;
    cancelled = true;
    if (timer) clearTimeout(timer);
    report({ event: 'cancelled', method: 'Count', tag: request.tag, sent: index });
  });
  call.sendMetadata(metadata);
  const step = () => {
    if (cancelled) return;
    if (index >= request.count) {
      finished = true;
      if (request.fail_code) {
        call.emit('error', { code: request.fail_code, details: request.fail_message, metadata: metadata.clone() });
      } else {
        call.end(metadata.clone());
      }
      return;
    }
    call.write({ index: index++ });
    timer = setTimeout(step, request.interval_ms);
  };
  step();
}

const server = new grpc.Server();
server.addService(EchoService.service, { Echo: echo, Count: count });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`bind failed: ${error.message}\n`);
    process.exit(1);
  }
  report({ event: 'listening', port });
});

const stop = () => server.forceShutdown();
process.on('SIGTERM', () => { stop(); process.exit(0); });
process.on('SIGINT', () => { stop(); process.exit(0); });
