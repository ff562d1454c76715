import type { IpAddress } from './ip';

/** GuardDuty's severity levels (0.1–8.9, and 9.0–10.0 for critical attack sequences); Security Hub's labels. */
export type SeverityBand = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** `service.resourceRole`: the resource attacks (`ACTOR`) or is attacked (`TARGET`). */
export type ResourceRole = 'ACTOR' | 'TARGET';

/** `networkConnectionAction.connectionDirection`, seen from the resource. */
export type ConnectionDirection = 'INBOUND' | 'OUTBOUND' | 'LOCAL' | 'UNKNOWN';

/** One network interface of the instance, as the finding reports it (playbooks re-read the live instance). */
export interface FindingNetworkInterface {
  networkInterfaceId?: string;
  subnetId?: string;
  vpcId?: string;
  securityGroupIds: string[];
  privateIpAddresses: string[];
  publicIp?: string;
  ipv6Addresses: string[];
}

/** The EC2 instance a finding is about. */
export interface FindingInstance {
  instanceId: string;
  networkInterfaces: FindingNetworkInterface[];
  instanceProfileArn?: string;
  /** Tag key → value, as the finding reports them at detection time. */
  tags: Record<string, string>;
  availabilityZone?: string;
  imageId?: string;
  platform?: string;
}

/** The credentials a finding is about (`AccessKey` resources). */
export interface FindingAccessKey {
  accessKeyId?: string;
  principalId?: string;
  userName?: string;
  /** `IAMUser`, `AssumedRole`, `Root`, `Federated`… */
  userType?: string;
  /** The role whose session it is (`userType` AssumedRole, or the role of a Security Hub `AwsIamRole` resource). */
  roleName?: string;
  /** The instance whose role session it is, when the session name is an instance id (instance credentials). */
  instanceId?: string;
}

/** A remote address in the finding, and where in the finding it was. */
export interface RemoteIp extends IpAddress {
  /** `networkConnectionAction`, `portProbeAction`, `awsApiCallAction`, `network` (ASFF)… */
  seenIn: string;
  /** The instance's port it reached (port probes, inbound connections). */
  localPort?: number;
}

/**
 * One finding, from GuardDuty or Security Hub, in the one shape the decision table and the playbooks read.
 * Identifiers come from the finding; everything a playbook changes is re-read live first.
 */
export interface Finding {
  source: 'guardduty' | 'securityhub';
  id: string;
  arn?: string;
  /** GuardDuty's `ThreatPurpose:ResourceType/ThreatFamily.Mechanism!Artifact` (from ASFF `Types` for GuardDuty). */
  type: string;
  title?: string;
  description?: string;
  severity: number;
  severityBand: SeverityBand;
  /** The account the resource is in (a member account when an administrator account receives the event). */
  accountId?: string;
  region?: string;
  partition: string;
  createdAt?: string;
  updatedAt?: string;
  /** The GuardDuty `resource.resourceType` (`Instance`, `AccessKey`, `S3Bucket`…) or the first ASFF resource type. */
  resourceType: string;
  instance?: FindingInstance;
  accessKey?: FindingAccessKey;
  resourceRole?: ResourceRole;
  connectionDirection?: ConnectionDirection;
  /** `NETWORK_CONNECTION`, `PORT_PROBE`, `DNS_REQUEST`, `AWS_API_CALL`… */
  actionType?: string;
  /** Every remote address, deduplicated, in the order the finding lists them. */
  remoteIps: RemoteIp[];
  /** Domains queried (`dnsRequestAction.domain`). */
  domains: string[];
  /** GuardDuty `service.archived`, or a Security Hub record that is archived, suppressed or resolved. */
  archived: boolean;
  /** GuardDuty's generated sample findings (`service.additionalInfo.sample`). */
  sample: boolean;
  /** The EventBridge envelope, when the finding came in one. */
  event?: { account?: string; region?: string; detailType?: string; time?: string; actionName?: string };
  /** What was in the finding but ignored, because it is not a valid identifier (sample placeholders). */
  warnings: string[];
}

/** The band GuardDuty (or Security Hub) puts a severity number in. */
export function severityBand(severity: number): SeverityBand {
  if (severity >= 9) return 'CRITICAL';
  if (severity >= 7) return 'HIGH';
  if (severity >= 4) return 'MEDIUM';
  if (severity >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

/** A one-line name for a finding: `UnauthorizedAccess:EC2/SSHBruteForce (HIGH 8) on i-0123… in 123456789012`. */
export function describeFinding(finding: Finding): string {
  const resource =
    finding.instance?.instanceId ??
    finding.accessKey?.roleName ??
    finding.accessKey?.userName ??
    finding.accessKey?.accessKeyId ??
    finding.resourceType;
  return `${finding.type} (${finding.severityBand} ${finding.severity}) on ${resource}${
    finding.accountId ? ` in ${finding.accountId}` : ''
  }${finding.region ? ` ${finding.region}` : ''}`;
}
