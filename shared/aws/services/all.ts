import type { AwsService, ServiceName } from '../clients';
import { AutoScaling } from './autoscaling';
import { CloudTrail } from './cloudtrail';
import { ConfigService } from './config';
import { DynamoDB } from './dynamodb';
import { EC2 } from './ec2';
import { ELBv2 } from './elbv2';
import { IAM } from './iam';
import { Organizations } from './organizations';
import { S3 } from './s3';
import { S3Control } from './s3control';
import { SecurityHub } from './securityhub';
import { SNS } from './sns';
import { SSM } from './ssm';
import { STS } from './sts';
import { WAFv2 } from './wafv2';

/**
 * Every service by name, for code that picks a service at run time (the SSM runner's `aws:executeAwsApi`). It
 * imports every SDK client: only the command line uses it, never a Lambda.
 */
export const ALL_SERVICES = {
  autoscaling: AutoScaling,
  cloudtrail: CloudTrail,
  config: ConfigService,
  dynamodb: DynamoDB,
  ec2: EC2,
  elbv2: ELBv2,
  iam: IAM,
  organizations: Organizations,
  s3: S3,
  s3control: S3Control,
  securityhub: SecurityHub,
  sns: SNS,
  ssm: SSM,
  sts: STS,
  wafv2: WAFv2,
} as const satisfies { [N in ServiceName]: AwsService<unknown, N> };
