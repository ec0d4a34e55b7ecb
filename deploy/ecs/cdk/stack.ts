/**
 * The guide's staging architecture on AWS as a CDK stack: the server as an
 * ECS Fargate service (4 vCPU, 16 GB, 30 days retention) behind an
 * Application Load Balancer whose target group checks /-/healthy, with its
 * configuration and data on EFS through access points owned by UID 65534,
 * logs in CloudWatch through awslogs and the task execution role, and
 * deployments that stop the old task before the new one opens the data
 * directory. The task's settings come from staging.ts, like the task
 * definition JSON of the aws CLI path.
 *
 * Synthesize with `node dist/deploy/ecs/cdk/app.js` (after `npx tsc -p
 * tsconfig.json`); deploy with the CDK CLI (`npx aws-cdk deploy` in
 * deploy/ecs/cdk, see deploy/ecs/README.md).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as efs from "aws-cdk-lib/aws-efs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { staging } from "./staging.ts";

/** What differs between accounts; everything else is the guide's. */
export interface PrometheusStagingProps extends StackProps {
  /**
   * ACM certificate for the HTTPS listener of prometheus-staging.company.com.
   * Without one the load balancer listens on plain HTTP (port 80).
   */
  certificateArn?: string;
  /** Networks allowed to reach the load balancer; default the private ranges of RFC 1918. */
  allowedCidrs?: string[];
  /** ECR repository name of the image, default staging.imageRepository. */
  imageRepository?: string;
  /** Image tag, default staging.imageTag. */
  imageTag?: string;
}

/** The staging stack: VPC, cluster, EFS, roles, log group, task definition, service, load balancer. */
export class PrometheusStagingStack extends Stack {
  /** The server's task definition. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The Fargate service running one server task. */
  readonly service: ecs.FargateService;
  /** The load balancer in front of the service. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The file system holding /prometheus/config and /prometheus/data. */
  readonly fileSystem: efs.FileSystem;

  constructor(scope: Construct, id: string, props: PrometheusStagingProps = {}) {
    super(scope, id, props);

    // The guide's create-service gives the task a public IP in a public
    // subnet (assignPublicIp=ENABLED): no NAT gateway is needed to pull the
    // image or to reach CloudWatch. Only the load balancer may reach the task.
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      clusterName: staging.cluster,
      defaultCloudMapNamespace: { name: staging.cloudMapNamespace, vpc },
    });

    // EFS (the guide's generalPurpose / bursting) and one access point per
    // directory, owned by the image's user (G6). The data outlives the stack.
    this.fileSystem = new efs.FileSystem(this, "FileSystem", {
      vpc,
      fileSystemName: staging.family,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.BURSTING,
      encrypted: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const uid = String(staging.posixUser.uid);
    const gid = String(staging.posixUser.gid);
    const accessPoints = new Map<string, efs.AccessPoint>();
    for (const v of staging.volumes) {
      accessPoints.set(
        v.name,
        this.fileSystem.addAccessPoint(`AccessPoint-${v.name}`, {
          path: v.efsPath,
          posixUser: { uid, gid },
          createAcl: { ownerUid: uid, ownerGid: gid, permissions: staging.posixUser.permissions },
        }),
      );
    }

    // awslogs on Fargate needs the execution role and an existing log group (G5).
    const logGroup = new logs.LogGroup(this, "LogGroup", {
      logGroupName: staging.logGroup,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const executionRole = new iam.Role(this, "ExecutionRole", {
      roleName: staging.executionRoleName,
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonECSTaskExecutionRolePolicy")],
    });
    const taskRole = new iam.Role(this, "TaskRole", {
      roleName: staging.taskRoleName,
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    });
    this.fileSystem.grant(taskRole, "elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite");

    this.taskDefinition = new ecs.FargateTaskDefinition(this, "TaskDefinition", {
      family: staging.family,
      cpu: staging.cpu,
      memoryLimitMiB: staging.memoryMiB,
      executionRole,
      taskRole,
    });
    for (const v of staging.volumes) {
      this.taskDefinition.addVolume({
        name: v.name,
        efsVolumeConfiguration: {
          fileSystemId: this.fileSystem.fileSystemId,
          rootDirectory: "/",
          transitEncryption: "ENABLED",
          authorizationConfig: { accessPointId: accessPoints.get(v.name)!.accessPointId, iam: "ENABLED" },
        },
      });
    }
    const repository = ecr.Repository.fromRepositoryName(this, "Repository", props.imageRepository ?? staging.imageRepository);
    const hc = staging.healthCheck;
    const container = this.taskDefinition.addContainer(staging.containerName, {
      containerName: staging.containerName,
      image: ecs.ContainerImage.fromEcrRepository(repository, props.imageTag ?? staging.imageTag),
      essential: true,
      command: [...staging.command],
      environment: { ...staging.environment },
      portMappings: [{ containerPort: staging.port, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: staging.logStreamPrefix }),
      healthCheck: {
        command: [...hc.command],
        interval: Duration.seconds(hc.intervalSeconds),
        timeout: Duration.seconds(hc.timeoutSeconds),
        retries: hc.retries,
        startPeriod: Duration.seconds(hc.startPeriodSeconds),
      },
      stopTimeout: Duration.seconds(staging.stopTimeoutSeconds),
    });
    container.addMountPoints(...staging.volumes.map((v) => ({ sourceVolume: v.name, containerPath: v.containerPath, readOnly: v.readOnly })));

    // One task, never two on the same data directory: min 0 % / max 100 %
    // stops the old task before the new one starts (G5); the circuit breaker
    // rolls a deployment back when its task does not get healthy.
    this.service = new ecs.FargateService(this, "Service", {
      cluster,
      serviceName: staging.serviceName,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      minHealthyPercent: staging.deployment.minHealthyPercent,
      maxHealthyPercent: staging.deployment.maxHealthyPercent,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(staging.healthCheckGracePeriodSeconds),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      cloudMapOptions: { name: staging.serviceName },
    });
    this.fileSystem.connections.allowDefaultPortFrom(this.service, "NFS from the server task");

    // The load balancer; ECS registers the task's IP in the target group
    // (the service is attached to it: the G5 fix for stale targets).
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", { vpc, internetFacing: true });
    const listener = props.certificateArn
      ? this.loadBalancer.addListener("Https", { port: 443, protocol: elbv2.ApplicationProtocol.HTTPS, certificates: [{ certificateArn: props.certificateArn }], open: false })
      : this.loadBalancer.addListener("Http", { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, open: false });
    for (const cidr of props.allowedCidrs ?? ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]) {
      listener.connections.allowDefaultPortFrom(ec2.Peer.ipv4(cidr), "clients of the staging server");
    }
    listener.addTargets("Prometheus", {
      targetGroupName: staging.family,
      port: staging.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service.loadBalancerTarget({ containerName: staging.containerName, containerPort: staging.port })],
      healthCheck: { path: "/-/healthy", healthyHttpCodes: "200", interval: Duration.seconds(30), timeout: Duration.seconds(5) },
      deregistrationDelay: Duration.seconds(30),
    });

    new CfnOutput(this, "LoadBalancerDns", { value: this.loadBalancer.loadBalancerDnsName, description: "point prometheus-staging.company.com here (CNAME or alias)" });
    new CfnOutput(this, "FileSystemId", { value: this.fileSystem.fileSystemId });
    for (const [name, ap] of accessPoints) new CfnOutput(this, `AccessPoint-${name}-Id`, { value: ap.accessPointId, description: `EFS access point of ${name}` });
  }
}
