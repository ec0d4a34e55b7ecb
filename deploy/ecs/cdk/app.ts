/**
 * The CDK app of the staging kit: one PrometheusStagingStack. Run after
 * `npx tsc -p tsconfig.json` from the repository root:
 *
 *   node dist/deploy/ecs/cdk/app.js                 # synthesize into dist/cdk.out/
 *   (cd deploy/ecs/cdk && npx aws-cdk deploy)       # deploy (cdk.json runs this file)
 *
 * Context (`-c key=value` with the CDK CLI, or the environment variables
 * below without it): certificateArn (PROMSTACK_CERTIFICATE_ARN), imageTag
 * (PROMSTACK_IMAGE_TAG). The account and region are the CLI's
 * (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION).
 */
import { App } from "aws-cdk-lib";
import { PrometheusStagingStack } from "./stack.ts";

const app = new App({ outdir: process.env.CDK_OUTDIR ?? "dist/cdk.out" });
const context = (key: string, env: string): string | undefined => (app.node.tryGetContext(key) as string | undefined) ?? process.env[env];
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
new PrometheusStagingStack(app, "PrometheusStaging", {
  ...(account && region ? { env: { account, region } } : {}),
  certificateArn: context("certificateArn", "PROMSTACK_CERTIFICATE_ARN"),
  imageTag: context("imageTag", "PROMSTACK_IMAGE_TAG"),
  description: "promstack server on ECS Fargate (staging, deployment guide)",
});
app.synth();
