/**
 * The staging kit on ECS Fargate (deploy/ecs): the task definition keeps the
 * guide's fields with promstack's image and adds the G5/G6 fixes; the JSON
 * inputs of the README's aws CLI commands are valid for their API operations
 * (botocore's own offline parameter validation, when installed); and the
 * container's command and health check work against a real server on
 * loopback (checks 14 and 16 in their local form).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";

const run = promisify(execFile);
const repo = process.cwd();
const ecsDir = resolve(repo, "deploy/ecs");

interface ContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  command: string[];
  environment?: Array<{ name: string; value: string }>;
  portMappings: Array<{ containerPort: number; protocol: string }>;
  mountPoints: Array<{ sourceVolume: string; containerPath: string; readOnly?: boolean }>;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  healthCheck: { command: string[]; interval: number; timeout: number; retries: number; startPeriod?: number };
}
interface TaskDefinition {
  family: string;
  networkMode: string;
  requiresCompatibilities: string[];
  cpu: string;
  memory: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  containerDefinitions: ContainerDefinition[];
  volumes: Array<{
    name: string;
    efsVolumeConfiguration: {
      fileSystemId: string;
      rootDirectory?: string;
      transitEncryption?: string;
      authorizationConfig?: { accessPointId: string; iam: string };
    };
  }>;
}
interface AccessPoint {
  FileSystemId: string;
  PosixUser: { Uid: number; Gid: number };
  RootDirectory: { Path: string; CreationInfo: { OwnerUid: number; OwnerGid: number; Permissions: string } };
}

const json = <T>(name: string): T => JSON.parse(readFileSync(join(ecsDir, name), "utf8")) as T;
const task = json<TaskDefinition>("ecs-prometheus-staging.json");
const container = task.containerDefinitions[0];

function guideTask(): TaskDefinition {
  const guide = readFileSync(resolve(repo, "../shared/deployment-guide.md"), "utf8");
  const at = guide.indexOf("**ECS Task Definition**");
  const m = /```json\n([\s\S]*?)```/.exec(guide.slice(at));
  assert.ok(at >= 0 && m, "the guide's task definition");
  return JSON.parse(m[1]) as TaskDefinition;
}

test("ecs: every JSON file of the kit is well-formed", () => {
  const files = readdirSync(ecsDir).filter((f) => f.endsWith(".json"));
  assert.ok(files.length >= 8);
  for (const f of files) assert.doesNotThrow(() => json(f), f);
});

test("ecs: the task definition keeps the guide's fields, with promstack's image", () => {
  const g = guideTask();
  for (const k of ["family", "networkMode", "requiresCompatibilities", "cpu", "memory"] as const) assert.deepEqual(task[k], g[k], k);
  const gc = g.containerDefinitions[0];
  assert.equal(task.containerDefinitions.length, 1);
  assert.equal(container.name, gc.name);
  assert.equal(container.essential, true);
  assert.deepEqual(container.command, gc.command);
  assert.deepEqual(container.portMappings, gc.portMappings);
  assert.deepEqual(container.mountPoints, gc.mountPoints);
  assert.equal(container.logConfiguration.logDriver, "awslogs");
  for (const [k, v] of Object.entries(gc.logConfiguration.options)) assert.equal(container.logConfiguration.options[k], v, k);
  for (const k of ["command", "interval", "timeout", "retries"] as const) assert.deepEqual(container.healthCheck[k], gc.healthCheck[k], `healthCheck.${k}`);
  assert.match(container.image, /\/promstack:\d+\.\d+\.\d+$/);
  assert.notEqual(container.image, gc.image);
  assert.deepEqual(task.volumes.map((v) => v.name), g.volumes.map((v) => v.name));
});

test("ecs: the health check runs wget against /-/healthy (the image has sh and wget)", () => {
  assert.deepEqual(container.healthCheck.command, ["CMD-SHELL", "wget -q --spider http://localhost:9090/-/healthy || exit 1"]);
  assert.ok((container.healthCheck.startPeriod ?? 0) > 0, "a start period covers WAL replay");
});

test("ecs: G5: execution role for awslogs, the log group created, its permission granted", () => {
  assert.match(task.executionRoleArn ?? "", /^arn:aws:iam::\d{12}:role\//);
  assert.equal(container.logConfiguration.options["awslogs-create-group"], "true");
  const policy = json<{ Statement: Array<{ Action: string[]; Resource: string }> }>("execution-role-policy.json");
  const group = container.logConfiguration.options["awslogs-group"];
  assert.ok(policy.Statement.some((s) => s.Action.includes("logs:CreateLogGroup") && s.Resource.includes(`log-group:${group}:`)));
  const trust = json<{ Statement: Array<{ Principal: { Service: string }; Action: string }> }>("ecs-tasks-trust-policy.json");
  assert.deepEqual(trust.Statement.map((s) => [s.Principal.Service, s.Action]), [["ecs-tasks.amazonaws.com", "sts:AssumeRole"]]);
});

test("ecs: G6: EFS through access points owned by UID/GID 65534 at the guide's directories", () => {
  const g = guideTask();
  const aps: Record<string, AccessPoint> = { "prometheus-config": json("efs-access-point-config.json"), "prometheus-data": json("efs-access-point-data.json") };
  for (const v of task.volumes) {
    const efs = v.efsVolumeConfiguration;
    const guideDir = g.volumes.find((gv) => gv.name === v.name)?.efsVolumeConfiguration.rootDirectory;
    const ap = aps[v.name];
    assert.ok(ap, `an access point file for ${v.name}`);
    // With an access point, rootDirectory must be "/" or absent: the access point's path applies.
    assert.ok(efs.rootDirectory === undefined || efs.rootDirectory === "/", v.name);
    assert.equal(ap.RootDirectory.Path, guideDir, `${v.name} keeps the guide's directory`);
    assert.equal(efs.transitEncryption, "ENABLED", "access points need transit encryption");
    assert.equal(efs.authorizationConfig?.iam, "ENABLED");
    assert.match(efs.authorizationConfig?.accessPointId ?? "", /^fsap-/);
    assert.equal(ap.FileSystemId, efs.fileSystemId);
    assert.deepEqual(ap.PosixUser, { Uid: 65534, Gid: 65534 });
    assert.equal(ap.RootDirectory.CreationInfo.OwnerUid, 65534);
    assert.equal(ap.RootDirectory.CreationInfo.OwnerGid, 65534);
  }
  const taskPolicy = json<{ Statement: Array<{ Action: string[] }> }>("task-role-policy.json");
  assert.deepEqual(taskPolicy.Statement[0].Action, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
  assert.match(task.taskRoleArn ?? "", /^arn:aws:iam::\d{12}:role\//);
});

test("ecs: G5: the service registers with the target group and never runs two tasks on one data directory", () => {
  const svc = json<{
    cluster: string;
    serviceName: string;
    taskDefinition: string;
    desiredCount: number;
    launchType: string;
    loadBalancers: Array<{ targetGroupArn: string; containerName: string; containerPort: number }>;
    deploymentConfiguration: { minimumHealthyPercent: number; maximumPercent: number };
    healthCheckGracePeriodSeconds: number;
  }>("service.json");
  assert.equal(svc.cluster, "monitoring-staging");
  assert.equal(svc.serviceName, "prometheus");
  assert.equal(svc.taskDefinition, task.family);
  assert.equal(svc.desiredCount, 1);
  assert.equal(svc.launchType, "FARGATE");
  assert.equal(svc.loadBalancers.length, 1);
  assert.equal(svc.loadBalancers[0].containerName, container.name);
  assert.equal(svc.loadBalancers[0].containerPort, container.portMappings[0].containerPort);
  assert.deepEqual(svc.deploymentConfiguration.minimumHealthyPercent, 0);
  assert.deepEqual(svc.deploymentConfiguration.maximumPercent, 100);
  assert.ok(svc.healthCheckGracePeriodSeconds >= 60);
  const rule = json<{ Actions: Array<{ Type: string; TargetGroupArn: string }>; Conditions: Array<{ HostHeaderConfig: { Values: string[] } }> }>("listener-rule.json");
  assert.equal(rule.Actions[0].TargetGroupArn, svc.loadBalancers[0].targetGroupArn);
  assert.deepEqual(rule.Conditions[0].HostHeaderConfig.Values, ["prometheus-staging.company.com"]);
});

test("ecs: the README's commands use the kit's files and the guide's target group health check", () => {
  const readme = readFileSync(join(ecsDir, "README.md"), "utf8");
  const referenced = [...readme.matchAll(/file:\/\/(?:deploy\/ecs\/)?([\w.-]+\.json)/g)].map((m) => m[1]);
  for (const f of readdirSync(ecsDir).filter((f) => f.endsWith(".json"))) assert.ok(referenced.includes(f), `README uses ${f}`);
  for (const f of referenced) assert.doesNotThrow(() => json(f), f);
  for (const needle of [
    "aws ecs register-task-definition",
    "--cli-input-json file://ecs-prometheus-staging.json",
    "aws ecs create-service",
    "--target-type ip",
    "--health-check-path /-/healthy",
    "aws efs create-access-point",
    "aws logs create-log-group",
  ]) {
    assert.ok(readme.includes(needle), `README has ${needle}`);
  }
});

// botocore validates a request's parameters against the API model offline, as the aws CLI does before it sends anything.
const validatePy = `
import json, sys
import botocore.session
from botocore.validate import ParamValidator
s = botocore.session.get_session()
out = {}
for service, op, path in json.loads(sys.stdin.read()):
    shape = s.get_service_model(service).operation_model(op).input_shape
    report = ParamValidator().validate(json.load(open(path)), shape)
    out[path] = report.generate_report() if report.has_errors() else ""
print(json.dumps(out))
`;
import { freePort } from "./net.ts";
async function botocore(): Promise<string | false> {
  try {
    await run("python3", ["-c", "import botocore"]);
    return false;
  } catch {
    return "python3 with botocore is not installed";
  }
}

test("ecs: each JSON input is valid for its API operation (botocore's parameter validation)", { skip: await botocore() }, async () => {
  const inputs = [
    ["ecs", "RegisterTaskDefinition", "ecs-prometheus-staging.json"],
    ["ecs", "CreateService", "service.json"],
    ["elbv2", "CreateRule", "listener-rule.json"],
    ["efs", "CreateAccessPoint", "efs-access-point-config.json"],
    ["efs", "CreateAccessPoint", "efs-access-point-data.json"],
  ].map(([s, op, f]) => [s, op, join(ecsDir, f)]);
  const child = spawn("python3", ["-c", validatePy], { stdio: ["pipe", "pipe", "inherit"] });
  child.stdin.end(JSON.stringify(inputs));
  let out = "";
  for await (const chunk of child.stdout) out += String(chunk);
  const reports = JSON.parse(out) as Record<string, string>;
  for (const [, , f] of inputs) assert.equal(reports[f], "", f);
});

test("ecs: botocore's validation rejects a wrong type (the check is not vacuous)", { skip: await botocore() }, async () => {
  const bad = { ...task, containerDefinitions: [{ ...container, healthCheck: { ...container.healthCheck, interval: "30" } }] };
  const r = await run("python3", [
    "-c",
    "import json,sys,botocore.session\nfrom botocore.validate import ParamValidator\n" +
      "shape=botocore.session.get_session().get_service_model('ecs').operation_model('RegisterTaskDefinition').input_shape\n" +
      "print(ParamValidator().validate(json.loads(sys.argv[1]), shape).generate_report())",
    JSON.stringify(bad),
  ]);
  assert.match(r.stdout, /Invalid type for parameter containerDefinitions\[0\]\.healthCheck\.interval/);
});

/** /etc/prometheus as the task sees it on EFS: the repository's rule files and the kit's prometheus.yml. */
function efsConfigView(): string {
  const dir = mkdtempSync(join(tmpdir(), "promstack-ecs-etc-"));
  for (const f of ["recording_rules.yml", "alerting_rules.yml"]) copyFileSync(resolve(repo, "config/prometheus", f), join(dir, f));
  copyFileSync(join(ecsDir, "prometheus.yml"), join(dir, "prometheus.yml"));
  return dir;
}

test("ecs: the staging prometheus.yml passes promtool check config next to the repository's rule files", async () => {
  const dir = efsConfigView();
  try {
    const r = await run(process.execPath, ["bin/promstack", "promtool", "check", "config", join(dir, "prometheus.yml")]);
    assert.match(r.stdout, /^ {2}SUCCESS: 2 rule files found$/m);
    const cfg = parse(readFileSync(join(dir, "prometheus.yml"), "utf8")) as { global: { external_labels: Record<string, string> } };
    assert.equal(cfg.global.external_labels.environment, "staging");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ecs: the container's command starts the server (retention 30d) and its health check passes", async () => {
  const etc = efsConfigView();
  const data = mkdtempSync(join(tmpdir(), "promstack-ecs-data-"));
  const port = await freePort();
  // The task's command with the container paths mapped to local directories.
  const args = container.command.map((a) => a.replace("/etc/prometheus/", etc + "/").replace("=/prometheus", "=" + data));
  const server = spawn(process.execPath, ["bin/promstack", "prometheus", ...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => server.once("exit", (code) => r(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
      if (up) break;
      if (server.exitCode !== null || Date.now() > deadline) assert.fail(`server did not become ready: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const health = container.healthCheck.command[1].replace("localhost:9090", `127.0.0.1:${port}`);
    await run("sh", ["-c", health], { timeout: container.healthCheck.timeout * 1000 });
    const info = (await (await fetch(`${base}/api/v1/status/runtimeinfo`)).json()) as { data: { storageRetention: string } };
    assert.match(info.data.storageRetention, /^30d/);
  } finally {
    server.kill("SIGTERM");
    await exited;
    rmSync(etc, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
