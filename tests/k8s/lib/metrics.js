// The Prometheus names of the gateway's metrics, as Prometheus stores them (after the collector's translation).
// k8s/README.md documents them for the Ingress implementer; the dashboard queries them.
export const METRICS = {
  requests: { name: 'gateway_requests_total', labels: ['model', 'provider', 'surface', 'status'] },
  duration: { name: 'gateway_request_duration_seconds', labels: ['model', 'provider', 'surface', 'status'], histogram: true },
  ttft: { name: 'gateway_time_to_first_token_seconds', labels: ['model', 'provider', 'surface'], histogram: true },
  tokens: { name: 'gateway_tokens_total', labels: ['model', 'provider', 'kind'] },
  cost: { name: 'gateway_cost_usd_total', labels: ['model', 'provider'] },
};
