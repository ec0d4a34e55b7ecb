/**
 * Check 32 (the kube-prometheus-stack path): the configuration the
 * Prometheus Operator generates, after its config-reloader has replaced
 * `$(POD_NAME)` and `$(SHARD)`, loads in promstack and its relabelling
 * turns Kubernetes endpoints into the Operator's target labels. The file
 * below is written for this test in the shape the Operator generates for a
 * ServiceMonitor (endpoints role, keep on the selector labels and the port
 * name, node/pod/namespace/service/container/job/endpoint labels, the
 * sharding hashmod) and for Alertmanagers found through the
 * `alertmanager-operated` Service; the Operator's own arguments are checked
 * in deploy-flags.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "../src/config/index.ts";
import { Labels, relabel } from "../src/model/index.ts";

const run = promisify(execFile);

const GENERATED = `global:
  evaluation_interval: 30s
  scrape_interval: 30s
  external_labels:
    prometheus: monitoring/kube-prometheus-stack-prometheus
    prometheus_replica: prometheus-kube-prometheus-stack-prometheus-0
rule_files:
- /etc/prometheus/rules/prometheus-kube-prometheus-stack-prometheus-rulefiles-0/*.yaml
scrape_configs:
- job_name: serviceMonitor/monitoring/kube-prometheus-stack-node-exporter/0
  honor_labels: false
  honor_timestamps: true
  kubernetes_sd_configs:
  - role: endpoints
    namespaces:
      names:
      - monitoring
  scrape_interval: 30s
  metrics_path: /metrics
  scheme: http
  relabel_configs:
  - source_labels:
    - job
    target_label: __tmp_prometheus_job_name
  - action: keep
    source_labels:
    - __meta_kubernetes_service_label_app_kubernetes_io_name
    - __meta_kubernetes_service_labelpresent_app_kubernetes_io_name
    regex: (prometheus-node-exporter);true
  - action: keep
    source_labels:
    - __meta_kubernetes_endpoint_port_name
    regex: http-metrics
  - source_labels:
    - __meta_kubernetes_endpoint_address_target_kind
    - __meta_kubernetes_endpoint_address_target_name
    separator: ;
    regex: Node;(.*)
    replacement: \${1}
    target_label: node
  - source_labels:
    - __meta_kubernetes_endpoint_address_target_kind
    - __meta_kubernetes_endpoint_address_target_name
    separator: ;
    regex: Pod;(.*)
    replacement: \${1}
    target_label: pod
  - source_labels:
    - __meta_kubernetes_namespace
    target_label: namespace
  - source_labels:
    - __meta_kubernetes_service_name
    target_label: service
  - source_labels:
    - __meta_kubernetes_pod_name
    target_label: pod
  - source_labels:
    - __meta_kubernetes_pod_container_name
    target_label: container
  - action: drop
    source_labels:
    - __meta_kubernetes_pod_phase
    regex: (Failed|Succeeded)
  - source_labels:
    - __meta_kubernetes_service_name
    target_label: job
    replacement: \${1}
  - target_label: endpoint
    replacement: http-metrics
  - source_labels:
    - __address__
    target_label: __tmp_hash
    modulus: 1
    action: hashmod
  - source_labels:
    - __tmp_hash
    regex: 0
    action: keep
  metric_relabel_configs: []
alerting:
  alert_relabel_configs:
  - action: labeldrop
    regex: prometheus_replica
  alertmanagers:
  - path_prefix: /
    scheme: http
    kubernetes_sd_configs:
    - role: endpoints
      namespaces:
        names:
        - monitoring
    api_version: v2
    relabel_configs:
    - action: keep
      source_labels:
      - __meta_kubernetes_service_name
      regex: kube-prometheus-stack-alertmanager
    - action: keep
      source_labels:
      - __meta_kubernetes_endpoint_port_name
      regex: http-web
`;

test("check 32: the Operator's generated config loads and relabels endpoints into the Operator's target labels", () => {
  const cfg = loadConfig(GENERATED, "prometheus.env.yaml");
  assert.equal(cfg.global.externalLabels.get("prometheus_replica"), "prometheus-kube-prometheus-stack-prometheus-0");
  const sc = cfg.scrapeConfigs[0]!;
  assert.equal(sc.jobName, "serviceMonitor/monitoring/kube-prometheus-stack-node-exporter/0");
  const endpoint = (port: string, phase: string) =>
    Labels.fromObject({
      __address__: "10.0.0.7:9100",
      job: sc.jobName,
      __meta_kubernetes_namespace: "monitoring",
      __meta_kubernetes_service_name: "kube-prometheus-stack-prometheus-node-exporter",
      __meta_kubernetes_service_label_app_kubernetes_io_name: "prometheus-node-exporter",
      __meta_kubernetes_service_labelpresent_app_kubernetes_io_name: "true",
      __meta_kubernetes_endpoint_port_name: port,
      __meta_kubernetes_endpoint_address_target_kind: "Pod",
      __meta_kubernetes_endpoint_address_target_name: "kube-prometheus-stack-prometheus-node-exporter-abcde",
      __meta_kubernetes_pod_name: "kube-prometheus-stack-prometheus-node-exporter-abcde",
      __meta_kubernetes_pod_container_name: "node-exporter",
      __meta_kubernetes_pod_phase: phase,
    });
  const got = relabel(endpoint("http-metrics", "Running"), sc.relabelConfigs);
  assert.ok(got !== null);
  const visible = Object.fromEntries(got.toArray().filter((l) => !l.name.startsWith("__")).map((l) => [l.name, l.value]));
  assert.deepEqual(visible, {
    container: "node-exporter",
    endpoint: "http-metrics",
    job: "kube-prometheus-stack-prometheus-node-exporter",
    namespace: "monitoring",
    pod: "kube-prometheus-stack-prometheus-node-exporter-abcde",
    service: "kube-prometheus-stack-prometheus-node-exporter",
  });
  assert.equal(relabel(endpoint("grpc", "Running"), sc.relabelConfigs), null, "another port is dropped");
  assert.equal(relabel(endpoint("http-metrics", "Succeeded"), sc.relabelConfigs), null, "a finished pod is dropped");
  const am = cfg.alerting.alertmanagers[0]!;
  const amTarget = Labels.fromObject({ __address__: "10.0.0.9:9093", __meta_kubernetes_service_name: "kube-prometheus-stack-alertmanager", __meta_kubernetes_endpoint_port_name: "http-web" });
  assert.notEqual(relabel(amTarget, am.relabelConfigs), null);
  const alert = relabel(Labels.fromObject({ alertname: "A", prometheus_replica: "prometheus-kube-prometheus-stack-prometheus-0" }), cfg.alerting.alertRelabelConfigs);
  assert.ok(alert !== null && !alert.has("prometheus_replica"));
});

test("check 32: promtool check config accepts the generated config with the Operator's rule files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-operator-"));
  try {
    const rulesDir = join(dir, "rules", "prometheus-kube-prometheus-stack-prometheus-rulefiles-0");
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(join(rulesDir, "monitoring-slo-alerts.yaml"), "groups:\n- name: slo_availability\n  interval: 15s\n  rules:\n  - alert: SLOAvailabilityFastBurn\n    expr: vector(1) > 14.4\n    for: 2m\n    labels:\n      severity: critical\n");
    const file = join(dir, "prometheus.env.yaml");
    writeFileSync(file, GENERATED.replace("/etc/prometheus/rules/", `${dir}/rules/`));
    const r = await run(process.execPath, ["bin/promstack", "promtool", "check", "config", file]);
    assert.match(r.stdout, /^ {2}SUCCESS: 1 rule files found$/m);
    assert.match(r.stdout, /^ {2}SUCCESS: 1 rules found$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
