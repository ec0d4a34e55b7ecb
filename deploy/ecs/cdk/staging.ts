/**
 * The staging task of the deployment guide, written once: the CDK stack
 * (stack.ts) builds its task definition from these settings, and
 * renderTaskDefinition() turns the same settings into the task definition
 * JSON of the aws CLI path (deploy/ecs/ecs-prometheus-staging.json, written
 * by render.ts). The guide's fields are kept as written (family, awsvpc,
 * Fargate, 4 vCPU / 16 GB, the container's command, port, mount points,
 * awslogs options, the wget health check); promstack's image replaces
 * prom/prometheus, and the G5/G6 fixes are added.
 */

/** The guide's staging task and what the kit adds to it. */
export const staging = {
  family: "prometheus-staging",
  /** Fargate task size: 4 vCPU, 16 GB (the guide's "cpu": "4096", "memory": "16384"). */
  cpu: 4096,
  memoryMiB: 16384,
  containerName: "prometheus",
  /** The image repository in ECR and its tag (the npm package's version). */
  imageRepository: "promstack",
  imageTag: "0.1.0",
  /** The guide's flags, with 30 days retention. */
  command: [
    "--config.file=/etc/prometheus/prometheus.yml",
    "--storage.tsdb.path=/prometheus",
    "--storage.tsdb.retention.time=30d",
    "--web.enable-lifecycle",
  ],
  /** The server, whatever the image's default component. */
  environment: { PROMSTACK_COMPONENT: "prometheus" },
  port: 9090,
  /** The guide's health check (the image has sh and wget); the start period covers WAL replay. */
  healthCheck: {
    command: ["CMD-SHELL", "wget -q --spider http://localhost:9090/-/healthy || exit 1"],
    intervalSeconds: 30,
    timeoutSeconds: 5,
    retries: 3,
    startPeriodSeconds: 60,
  },
  /** Time between SIGTERM and SIGKILL: the server writes its last WAL segment and closes the TSDB. */
  stopTimeoutSeconds: 120,
  logGroup: "/ecs/prometheus-staging",
  logStreamPrefix: "prometheus",
  /**
   * The two EFS volumes, each through an access point owned by UID/GID
   * 65534 (the image's user, G6) at the guide's directory.
   */
  volumes: [
    { name: "prometheus-config", containerPath: "/etc/prometheus", readOnly: true, efsPath: "/prometheus/config" },
    { name: "prometheus-data", containerPath: "/prometheus", readOnly: false, efsPath: "/prometheus/data" },
  ],
  /** Owner of the access points' directories and the user the file system sees. */
  posixUser: { uid: 65534, gid: 65534, permissions: "0755" },
  /** Roles of the task (awslogs and the image pull need the execution role, G5). */
  executionRoleName: "prometheus-staging-execution",
  taskRoleName: "prometheus-staging-task",
  cluster: "monitoring-staging",
  serviceName: "prometheus",
  /** The Cloud Map namespace in which deploy/ecs/prometheus.yml finds the Alertmanagers. */
  cloudMapNamespace: "monitoring-staging.local",
  /**
   * One task on one data directory, also during deployments (G5): the old
   * task stops before the new one starts; the circuit breaker rolls a
   * failing deployment back.
   */
  deployment: { minHealthyPercent: 0, maxHealthyPercent: 100 },
  /** Grace before the load balancer's health checks count: WAL replay after a restart. */
  healthCheckGracePeriodSeconds: 300,
} as const;

/** The account-specific values of the task definition JSON (placeholders in the committed file). */
export interface TaskDefinitionPlaceholders {
  account: string;
  region: string;
  fileSystemId: string;
  configAccessPointId: string;
  dataAccessPointId: string;
}

/** The placeholders of the committed deploy/ecs/ecs-prometheus-staging.json (deploy/ecs/README.md names them). */
export const readmePlaceholders: TaskDefinitionPlaceholders = {
  account: "123456789012",
  region: "us-east-1",
  fileSystemId: "fs-12345678",
  configAccessPointId: "fsap-0config0000000000",
  dataAccessPointId: "fsap-0data000000000000",
};

/** An ECS container definition as RegisterTaskDefinition takes it (the fields the kit uses). */
export interface ContainerDefinitionJson {
  name: string;
  image: string;
  essential: boolean;
  command: string[];
  environment: Array<{ name: string; value: string }>;
  portMappings: Array<{ containerPort: number; protocol: string }>;
  mountPoints: Array<{ sourceVolume: string; containerPath: string; readOnly?: boolean }>;
  stopTimeout: number;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  healthCheck: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
}

/** An ECS task definition as RegisterTaskDefinition takes it (the fields the kit uses). */
export interface TaskDefinitionJson {
  family: string;
  networkMode: string;
  requiresCompatibilities: string[];
  cpu: string;
  memory: string;
  executionRoleArn: string;
  taskRoleArn: string;
  containerDefinitions: ContainerDefinitionJson[];
  volumes: Array<{
    name: string;
    efsVolumeConfiguration: {
      fileSystemId: string;
      rootDirectory: string;
      transitEncryption: string;
      authorizationConfig: { accessPointId: string; iam: string };
    };
  }>;
}

/** The ECR image URI of the staging task. */
export function imageUri(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com/${staging.imageRepository}:${staging.imageTag}`;
}

/**
 * The task definition JSON for `aws ecs register-task-definition
 * --cli-input-json` from the staging settings. Unlike the CDK stack, which
 * creates the log group itself, the CLI path lets awslogs create it
 * (`awslogs-create-group`, with logs:CreateLogGroup in the execution role's
 * policy).
 */
export function renderTaskDefinition(p: TaskDefinitionPlaceholders): TaskDefinitionJson {
  const accessPoints: Record<string, string> = {
    "prometheus-config": p.configAccessPointId,
    "prometheus-data": p.dataAccessPointId,
  };
  const hc = staging.healthCheck;
  return {
    family: staging.family,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: String(staging.cpu),
    memory: String(staging.memoryMiB),
    executionRoleArn: `arn:aws:iam::${p.account}:role/${staging.executionRoleName}`,
    taskRoleArn: `arn:aws:iam::${p.account}:role/${staging.taskRoleName}`,
    containerDefinitions: [
      {
        name: staging.containerName,
        image: imageUri(p.account, p.region),
        essential: true,
        command: [...staging.command],
        environment: Object.entries(staging.environment).map(([name, value]) => ({ name, value })),
        portMappings: [{ containerPort: staging.port, protocol: "tcp" }],
        // The guide writes no readOnly for the data volume: keep its shape.
        mountPoints: staging.volumes.map((v) => (v.readOnly ? { sourceVolume: v.name, containerPath: v.containerPath, readOnly: true } : { sourceVolume: v.name, containerPath: v.containerPath })),
        stopTimeout: staging.stopTimeoutSeconds,
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": staging.logGroup,
            "awslogs-region": p.region,
            "awslogs-stream-prefix": staging.logStreamPrefix,
            "awslogs-create-group": "true",
          },
        },
        healthCheck: { command: [...hc.command], interval: hc.intervalSeconds, timeout: hc.timeoutSeconds, retries: hc.retries, startPeriod: hc.startPeriodSeconds },
      },
    ],
    volumes: staging.volumes.map((v) => ({
      name: v.name,
      efsVolumeConfiguration: {
        fileSystemId: p.fileSystemId,
        // With an access point the root is the access point's directory.
        rootDirectory: "/",
        transitEncryption: "ENABLED",
        authorizationConfig: { accessPointId: accessPoints[v.name]!, iam: "ENABLED" },
      },
    })),
  };
}

/** The committed file's text: the rendered JSON, two-space indented, with a final newline. */
export function formatTaskDefinition(td: TaskDefinitionJson): string {
  return JSON.stringify(td, null, 2) + "\n";
}
