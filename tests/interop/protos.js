'use strict';
// Loads the two contracts the interop scripts speak: the test's echo.proto and the layer's health.proto.
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const repoRoot = path.resolve(__dirname, '..', '..');
const echoProto = path.join(repoRoot, 'tests', 'Gateway.Grpc.Tests', 'Protos', 'interop', 'v1', 'echo.proto');
const healthProto = path.join(repoRoot, 'services', 'BuildingBlocks', 'Gateway.Grpc', 'Protos', 'grpc', 'health', 'v1', 'health.proto');

function load() {
  const definition = protoLoader.loadSync([echoProto, healthProto], {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: String, // base64 in JS objects, so results print as JSON as they are
    defaults: true,
    oneofs: true,
  });
  const root = grpc.loadPackageDefinition(definition);
  return { EchoService: root.interop.v1.EchoService, Health: root.grpc.health.v1.Health };
}

// Custom metadata as plain JSON: { key: [values] }, binary (-bin) values as base64.
function metadataToJson(metadata) {
  const result = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    result[key] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v)));
  }
  return result;
}

// Builds grpc-js Metadata from { key: value | [values] }; -bin values are given as base64.
function metadataFromJson(json) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(json || {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      metadata.add(key, key.endsWith('-bin') ? Buffer.from(v, 'base64') : v);
    }
  }
  return metadata;
}

module.exports = { grpc, load, metadataToJson, metadataFromJson };
