/**
 * The staging kit's CDK app (deploy/ecs/cdk): the stack synthesizes offline
 * and its template holds the guide's staging architecture with the G5/G6
 * fixes (asserted with aws-cdk-lib/assertions); its task definition is the
 * committed deploy/ecs/ecs-prometheus-staging.json once CloudFormation's
 * references are replaced by the JSON's placeholders; the committed JSON is
 * what render.ts writes; and the app entry (the one cdk.json runs) writes
 * the same template. Nothing is deployed: that needs the CDK CLI and an AWS
 * account (deploy/ecs/README.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { App } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { PrometheusStagingStack } from "../deploy/ecs/cdk/stack.ts";
import { formatTaskDefinition, readmePlaceholders, renderTaskDefinition, staging } from "../deploy/ecs/cdk/staging.ts";
import type { TaskDefinitionJson } from "../deploy/ecs/cdk/staging.ts";

const run = promisify(execFile);
const repo = process.cwd();
const committedPath = resolve(repo, "deploy/ecs/ecs-prometheus-staging.json");

const app = new App();
const stack = new PrometheusStagingStack(app, "PrometheusStaging");
const template = Template.fromStack(stack);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Resource {
  Type: string;
  Properties: { [k: string]: Json };
  DeletionPolicy?: string;
}
const resources = template.toJSON().Resources as Record<string, Resource>;
const logicalIdOf = (type: string, pred: (r: Resource) => boolean = () => true): string => {
  const ids = Object.keys(resources).filter((id) => resources[id]!.Type === type && pred(resources[id]!));
  assert.equal(ids.length, 1, `one ${type}: ${ids.join(", ")}`);
  return ids[0]!;
};
const accessPointId = (path: string) =>
  logicalIdOf("AWS::EFS::AccessPoint", (r) => (r.Properties.RootDirectory as { Path: string }).Path === path);

test("cdk: the committed task definition JSON is the rendered one (node dist/deploy/ecs/cdk/render.js)", () => {
  const rendered = formatTaskDefinition(renderTaskDefinition(readmePlaceholders));
  assert.equal(readFileSync(committedPath, "utf8"), rendered, "stale: run node dist/deploy/ecs/cdk/render.js");
});

test("cdk: synthesis gives no warning or error (circuit breaker and minHealthyPercent are set)", () => {
  const annotations = Annotations.fromStack(stack);
  assert.deepEqual(annotations.findWarning("*", Match.anyValue()), []);
  assert.deepEqual(annotations.findError("*", Match.anyValue()), []);
});

test("cdk: the Fargate task: 4 vCPU, 16 GB, promstack's image, the guide's flags with 30 days retention", () => {
  template.hasResourceProperties("AWS::ECS::TaskDefinition", {
    Family: "prometheus-staging",
    Cpu: "4096",
    Memory: "16384",
    NetworkMode: "awsvpc",
    RequiresCompatibilities: ["FARGATE"],
    ContainerDefinitions: [
      Match.objectLike({
        Name: "prometheus",
        Essential: true,
        Command: [
          "--config.file=/etc/prometheus/prometheus.yml",
          "--storage.tsdb.path=/prometheus",
          "--storage.tsdb.retention.time=30d",
          "--web.enable-lifecycle",
        ],
        Image: { "Fn::Join": ["", Match.arrayWith([".dkr.ecr.", "/promstack:0.1.0"])] },
        PortMappings: [{ ContainerPort: 9090, Protocol: "tcp" }],
        HealthCheck: { Command: ["CMD-SHELL", "wget -q --spider http://localhost:9090/-/healthy || exit 1"], Interval: 30, Timeout: 5, Retries: 3, StartPeriod: 60 },
      }),
    ],
  });
});

test("cdk: G6: EFS volumes for config (read-only) and data, through access points owned by 65534", () => {
  template.hasResource("AWS::EFS::FileSystem", {
    Properties: Match.objectLike({ PerformanceMode: "generalPurpose", ThroughputMode: "bursting", Encrypted: true }),
    DeletionPolicy: "Retain",
  });
  const fs = logicalIdOf("AWS::EFS::FileSystem");
  for (const path of ["/prometheus/config", "/prometheus/data"]) {
    template.hasResourceProperties("AWS::EFS::AccessPoint", {
      FileSystemId: { Ref: fs },
      PosixUser: { Uid: "65534", Gid: "65534" },
      RootDirectory: { Path: path, CreationInfo: { OwnerUid: "65534", OwnerGid: "65534", Permissions: "0755" } },
    });
  }
  const volume = (name: string, path: string) => ({
    Name: name,
    EFSVolumeConfiguration: { FilesystemId: { Ref: fs }, RootDirectory: "/", TransitEncryption: "ENABLED", AuthorizationConfig: { AccessPointId: { Ref: accessPointId(path) }, IAM: "ENABLED" } },
  });
  template.hasResourceProperties("AWS::ECS::TaskDefinition", {
    Volumes: [volume("prometheus-config", "/prometheus/config"), volume("prometheus-data", "/prometheus/data")],
    ContainerDefinitions: [
      Match.objectLike({
        MountPoints: [
          { SourceVolume: "prometheus-config", ContainerPath: "/etc/prometheus", ReadOnly: true },
          { SourceVolume: "prometheus-data", ContainerPath: "/prometheus", ReadOnly: false },
        ],
      }),
    ],
  });
  // The task reaches NFS (2049) and may mount and write through IAM.
  template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
    IpProtocol: "tcp",
    FromPort: 2049,
    ToPort: 2049,
    SourceSecurityGroupId: { "Fn::GetAtt": [logicalIdOf("AWS::EC2::SecurityGroup", (r) => /ServiceSecurityGroup|Service\//.test(JSON.stringify(r.Properties.GroupDescription))), "GroupId"] },
  });
  template.hasResourceProperties("AWS::IAM::Policy", {
    Roles: [{ Ref: logicalIdOf("AWS::IAM::Role", (r) => r.Properties.RoleName === "prometheus-staging-task") }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], Resource: { "Fn::GetAtt": [fs, "Arn"] } })]) },
  });
});

test("cdk: G5: awslogs with the execution role and the log group /ecs/prometheus-staging", () => {
  const logGroup = logicalIdOf("AWS::Logs::LogGroup");
  template.hasResourceProperties("AWS::Logs::LogGroup", { LogGroupName: "/ecs/prometheus-staging" });
  const execRole = logicalIdOf("AWS::IAM::Role", (r) => r.Properties.RoleName === "prometheus-staging-execution");
  template.hasResourceProperties("AWS::IAM::Role", {
    RoleName: "prometheus-staging-execution",
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" } })] },
    ManagedPolicyArns: [{ "Fn::Join": ["", Match.arrayWith([":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"])] }],
  });
  template.hasResourceProperties("AWS::ECS::TaskDefinition", {
    ExecutionRoleArn: { "Fn::GetAtt": [execRole, "Arn"] },
    ContainerDefinitions: [
      Match.objectLike({
        LogConfiguration: { LogDriver: "awslogs", Options: { "awslogs-group": { Ref: logGroup }, "awslogs-stream-prefix": "prometheus", "awslogs-region": { Ref: "AWS::Region" } } },
      }),
    ],
  });
  // The execution role may write to that log group and pull the image from ECR.
  template.hasResourceProperties("AWS::IAM::Policy", {
    Roles: [{ Ref: execRole }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: Match.arrayWith(["ecr:BatchGetImage"]) }),
        Match.objectLike({ Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: { "Fn::GetAtt": [logGroup, "Arn"] } }),
      ]),
    },
  });
});

test("cdk: G5: the service is attached to the load balancer and never runs two tasks on the data directory", () => {
  const tg = logicalIdOf("AWS::ElasticLoadBalancingV2::TargetGroup");
  template.hasResourceProperties("AWS::ECS::Service", {
    ServiceName: "prometheus",
    Cluster: { Ref: logicalIdOf("AWS::ECS::Cluster") },
    LaunchType: "FARGATE",
    DesiredCount: 1,
    DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    LoadBalancers: [{ ContainerName: "prometheus", ContainerPort: 9090, TargetGroupArn: { Ref: tg } }],
    HealthCheckGracePeriodSeconds: 300,
    NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: "ENABLED" }) },
  });
  template.hasResourceProperties("AWS::ECS::Cluster", { ClusterName: "monitoring-staging" });
  // The Alertmanagers' Cloud Map name of deploy/ecs/prometheus.yml lives in this namespace.
  template.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", { Name: "monitoring-staging.local" });
});

test("cdk: the ALB's target group is the guide's: HTTP 9090, target type ip, health check /-/healthy", () => {
  template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
    Name: "prometheus-staging",
    Port: 9090,
    Protocol: "HTTP",
    TargetType: "ip",
    HealthCheckPath: "/-/healthy",
    Matcher: { HttpCode: "200" },
  });
  template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", { Scheme: "internet-facing", Type: "application" });
  // Without a certificate: plain HTTP on 80, reachable from the private ranges only, and the task only from the ALB.
  template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 80, Protocol: "HTTP" });
  const albSg = logicalIdOf("AWS::EC2::SecurityGroup", (r) => JSON.stringify(r.Properties.GroupDescription).includes("LoadBalancer"));
  const ingress = (resources[albSg]!.Properties.SecurityGroupIngress as Array<{ CidrIp: string; FromPort: number }>).map((i) => `${i.CidrIp}:${i.FromPort}`);
  assert.deepEqual(ingress.sort(), ["10.0.0.0/8:80", "172.16.0.0/12:80", "192.168.0.0/16:80"]);
  template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", { FromPort: 9090, ToPort: 9090, SourceSecurityGroupId: { "Fn::GetAtt": [albSg, "GroupId"] } });
  for (const o of ["LoadBalancerDns", "FileSystemId"]) template.hasOutput(o, Match.anyValue());
});

test("cdk: with a certificate the listener is HTTPS on 443 and the allowed networks are the given ones", () => {
  const a = new App();
  const s = new PrometheusStagingStack(a, "WithTls", {
    certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    allowedCidrs: ["203.0.113.0/24"],
    imageTag: "0.2.0",
  });
  const t = Template.fromStack(s);
  t.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
    Port: 443,
    Protocol: "HTTPS",
    Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" }],
  });
  t.hasResourceProperties("AWS::EC2::SecurityGroup", { SecurityGroupIngress: [Match.objectLike({ CidrIp: "203.0.113.0/24", FromPort: 443 })] });
  t.hasResourceProperties("AWS::ECS::TaskDefinition", { ContainerDefinitions: [Match.objectLike({ Image: { "Fn::Join": ["", Match.arrayWith(["/promstack:0.2.0"])] } })] });
});

/** CloudFormation's property names where they differ from the ECS API's beyond the first letter's case. */
const apiNames: Record<string, string> = { EFSVolumeConfiguration: "efsVolumeConfiguration", FilesystemId: "fileSystemId", IAM: "iam" };

/** The synthesized task definition in the ECS API's shape, with references resolved to the given values. */
function toApiShape(v: Json, refs: Record<string, string>): Json {
  if (Array.isArray(v)) return v.map((x) => toApiShape(x, refs));
  if (v === null || typeof v !== "object") return v;
  if ("Ref" in v) return refs[v.Ref as string] ?? assert.fail(`unresolved Ref ${String(v.Ref)}`);
  if ("Fn::GetAtt" in v) {
    const [id, attr] = v["Fn::GetAtt"] as [string, string];
    return refs[`${id}.${attr}`] ?? assert.fail(`unresolved GetAtt ${id}.${attr}`);
  }
  if ("Fn::Join" in v) {
    const [sep, parts] = v["Fn::Join"] as [string, Json[]];
    return parts.map((p) => toApiShape(p, refs)).join(sep);
  }
  const out: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) {
    // Keys of Environment entries and log options are data, not property names.
    const key = apiNames[k] ?? (/^[A-Z]/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k);
    out[key] = toApiShape(x, refs);
  }
  return out;
}

test("cdk: the stack's task definition is the committed JSON, apart from what only the aws CLI path needs", () => {
  const p = readmePlaceholders;
  const role = (name: string) => `${logicalIdOf("AWS::IAM::Role", (r) => r.Properties.RoleName === name)}.Arn`;
  const refs: Record<string, string> = {
    "AWS::AccountId": p.account,
    "AWS::Region": p.region,
    "AWS::URLSuffix": "amazonaws.com",
    [logicalIdOf("AWS::EFS::FileSystem")]: p.fileSystemId,
    [accessPointId("/prometheus/config")]: p.configAccessPointId,
    [accessPointId("/prometheus/data")]: p.dataAccessPointId,
    [logicalIdOf("AWS::Logs::LogGroup")]: staging.logGroup,
    [role("prometheus-staging-execution")]: `arn:aws:iam::${p.account}:role/prometheus-staging-execution`,
    [role("prometheus-staging-task")]: `arn:aws:iam::${p.account}:role/prometheus-staging-task`,
  };
  const synthesized = toApiShape(resources[logicalIdOf("AWS::ECS::TaskDefinition")]!.Properties, refs) as unknown as TaskDefinitionJson;
  const committed = JSON.parse(readFileSync(committedPath, "utf8")) as TaskDefinitionJson;
  // The known differences: the CLI path lets awslogs create the log group
  // (CloudFormation creates it in the stack), and the guide's JSON leaves the
  // data mount's readOnly out where CloudFormation writes false.
  const cli = structuredClone(committed);
  delete (cli.containerDefinitions[0]!.logConfiguration.options as Record<string, string>)["awslogs-create-group"];
  cli.containerDefinitions[0]!.mountPoints = cli.containerDefinitions[0]!.mountPoints.map((m) => ({ readOnly: false, ...m }));
  assert.deepEqual(synthesized, cli);
});

test("cdk: the app entry that cdk.json runs writes the same template", async () => {
  const cdkJson = JSON.parse(readFileSync(resolve(repo, "deploy/ecs/cdk/cdk.json"), "utf8")) as { app: string };
  const entry = resolve(repo, "deploy/ecs/cdk", cdkJson.app.replace(/^node /, ""));
  assert.ok(existsSync(entry), `${entry} (compiled by tsc)`);
  const out = mkdtempSync(join(tmpdir(), "promstack-cdk-"));
  try {
    await run(process.execPath, [entry], { env: { ...process.env, CDK_OUTDIR: out, CDK_DEFAULT_ACCOUNT: "", CDK_DEFAULT_REGION: "" }, timeout: 120_000 });
    const written = JSON.parse(readFileSync(join(out, "PrometheusStaging.template.json"), "utf8")) as { Resources: Record<string, Resource> };
    assert.deepEqual(written.Resources, resources);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
