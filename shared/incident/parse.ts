import { MalformedFindingError } from '../errors';
import { camelKeys, Fields, isObject, type Json } from './fields';
import {
  type ConnectionDirection,
  type Finding,
  type FindingAccessKey,
  type FindingInstance,
  type FindingNetworkInterface,
  type RemoteIp,
  type ResourceRole,
  severityBand,
} from './finding';
import { parseIpAddress } from './ip';

// Identifiers a playbook may pass to an AWS API: anything else in a finding is dropped with a warning.
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const ENI_ID = /^eni-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const PARTITION = /^aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?$/;
const INSTANCE_PROFILE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:instance-profile\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** Finding ids end up in tags and resource names: the characters every AWS tag value accepts. */
const FINDING_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,255}$/;
/** `ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`. */
const GUARDDUTY_TYPE = /^[A-Za-z0-9]+:[A-Za-z0-9]+\/[A-Za-z0-9.&!_:-]+$/;

const ROLES: readonly ResourceRole[] = ['ACTOR', 'TARGET'];
const DIRECTIONS: readonly ConnectionDirection[] = ['INBOUND', 'OUTBOUND', 'LOCAL', 'UNKNOWN'];

function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Collects remote addresses without duplicates, keeping the first place each was seen. */
class RemoteIps {
  readonly list: RemoteIp[] = [];

  add(text: unknown, path: string, seenIn: string, localPort?: number): void {
    if (text === undefined || text === null) return;
    if (typeof text !== 'string')
      throw new MalformedFindingError(path, `must be an IP address, got ${JSON.stringify(text)}.`);
    const ip = parseIpAddress(text);
    if (!ip) throw new MalformedFindingError(path, `must be an IP address, got ${JSON.stringify(text)}.`);
    if (this.list.some((r) => r.address === ip.address)) return;
    this.list.push({ ...ip, seenIn, ...(localPort !== undefined ? { localPort } : {}) });
  }

  /** `remoteIpDetails` of GuardDuty (`ipAddressV4`, `ipAddressV6`). */
  addDetails(details: Fields | undefined, seenIn: string, localPort?: number): void {
    if (!details) return;
    this.add(details.value.ipAddressV4, details.at('ipAddressV4'), seenIn, localPort);
    this.add(details.value.ipAddressV6, details.at('ipAddressV6'), seenIn, localPort);
  }
}

/** A valid identifier, or undefined and a warning (GuardDuty sample findings carry placeholders). */
function identifier(
  fields: Fields,
  key: string,
  pattern: RegExp,
  what: string,
  warnings: string[],
): string | undefined {
  const value = fields.value[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && pattern.test(value)) return value;
  warnings.push(`${fields.at(key)} ${JSON.stringify(value)} is not ${what}; ignored.`);
  return undefined;
}

function portOf(details: Fields | undefined): number | undefined {
  const port = details?.value.port;
  return typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
}

function tagsOf(list: Fields[], warnings: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of list) {
    const { key, value } = tag.value;
    if (typeof key === 'string' && (typeof value === 'string' || value === undefined || value === null))
      tags[key] = value ?? '';
    else warnings.push(`${tag.path} is not a {key, value} tag; ignored.`);
  }
  return tags;
}

function instanceFromGuardDuty(details: Fields, warnings: string[]): FindingInstance {
  const instanceId = details.string('instanceId', INSTANCE_ID, 'an instance id (i-…)');
  const networkInterfaces: FindingNetworkInterface[] = details.objects('networkInterfaces').map((eni) => ({
    networkInterfaceId: identifier(eni, 'networkInterfaceId', ENI_ID, 'a network interface id', warnings),
    subnetId: identifier(eni, 'subnetId', SUBNET_ID, 'a subnet id', warnings),
    vpcId: identifier(eni, 'vpcId', VPC_ID, 'a VPC id', warnings),
    securityGroupIds: eni
      .objects('securityGroups')
      .map((g) => identifier(g, 'groupId', GROUP_ID, 'a security group id', warnings))
      .filter((g): g is string => g !== undefined),
    privateIpAddresses: [
      ...new Set(
        [
          eni.value.privateIpAddress,
          ...eni.objects('privateIpAddresses').map((p) => p.value.privateIpAddress),
        ]
          .filter((v): v is string => typeof v === 'string')
          .map((v) => parseIpAddress(v)?.address)
          .filter((v): v is string => v !== undefined),
      ),
    ],
    publicIp:
      typeof eni.value.publicIp === 'string' ? parseIpAddress(eni.value.publicIp)?.address : undefined,
    ipv6Addresses: eni
      .array('ipv6Addresses')
      .map((a) => (typeof a.value === 'string' ? parseIpAddress(a.value)?.address : undefined))
      .filter((v): v is string => v !== undefined),
  }));
  const profile = details.optionalObject('iamInstanceProfile');
  const platform = details.value.platform;
  return {
    instanceId,
    networkInterfaces,
    instanceProfileArn: profile
      ? identifier(profile, 'arn', INSTANCE_PROFILE_ARN, 'an instance profile ARN', warnings)
      : undefined,
    tags: tagsOf(details.objects('tags'), warnings),
    availabilityZone:
      typeof details.value.availabilityZone === 'string' ? details.value.availabilityZone : undefined,
    imageId: typeof details.value.imageId === 'string' ? details.value.imageId : undefined,
    platform: typeof platform === 'string' ? platform : undefined,
  };
}

/** An assumed-role session named after an instance (`AROA…:i-0123…`) is that instance's credentials. */
function sessionInstance(principalId: string | undefined): string | undefined {
  const session = principalId?.split(':')[1];
  return session && INSTANCE_ID.test(session) ? session : undefined;
}

function accessKeyFromGuardDuty(details: Fields, warnings: string[]): FindingAccessKey {
  const str = (key: string) =>
    typeof details.value[key] === 'string' ? (details.value[key] as string) : undefined;
  const userType = str('userType');
  const principalId = str('principalId');
  return {
    accessKeyId: str('accessKeyId'),
    principalId,
    userName: str('userName'),
    userType,
    roleName:
      userType === 'AssumedRole'
        ? identifier(details, 'userName', ROLE_NAME, 'an IAM role name', warnings)
        : undefined,
    instanceId: sessionInstance(principalId),
  };
}

/**
 * One GuardDuty finding (the `detail` of a "GuardDuty Finding" event, or a finding as GetFindings returns it).
 * @throws MalformedFindingError naming the field.
 */
export function parseGuardDutyFinding(raw: unknown, path: string, event?: Finding['event']): Finding {
  const detail = new Fields(raw, path);
  const warnings: string[] = [];
  const id = detail.string('id', FINDING_ID, 'a finding id (letters, digits and ._:/@-)');
  const type = detail.string(
    'type',
    GUARDDUTY_TYPE,
    'a GuardDuty finding type (Purpose:Resource/Family.Mechanism)',
  );
  const severity = detail.number('severity', 0, 10);
  const accountId = detail.optionalString('accountId', ACCOUNT_ID, 'a 12-digit account id') ?? event?.account;
  const region = detail.optionalString('region', REGION, 'an AWS region') ?? event?.region;
  const partition = detail.optionalString('partition', PARTITION, 'an AWS partition') ?? partitionOf(region);
  const resource = detail.object('resource');
  const resourceType = resource.string('resourceType');
  const instanceDetails = resource.optionalObject('instanceDetails');
  const accessKeyDetails = resource.optionalObject('accessKeyDetails');
  // An instance finding must name its instance; other resources may carry an instance for context only.
  const instance =
    resourceType === 'Instance'
      ? instanceFromGuardDuty(resource.object('instanceDetails'), warnings)
      : instanceDetails && INSTANCE_ID.test(String(instanceDetails.value.instanceId))
        ? instanceFromGuardDuty(instanceDetails, warnings)
        : undefined;
  const accessKey = accessKeyDetails ? accessKeyFromGuardDuty(accessKeyDetails, warnings) : undefined;

  const service = detail.optionalObject('service');
  const role = service?.optionalString('resourceRole');
  const resourceRole = role && (ROLES as string[]).includes(role) ? (role as ResourceRole) : undefined;
  if (role && !resourceRole)
    warnings.push(`${service?.at('resourceRole')} ${JSON.stringify(role)} is not ACTOR or TARGET; ignored.`);
  const action = service?.optionalObject('action');
  const remote = new RemoteIps();
  const domains: string[] = [];
  let connectionDirection: ConnectionDirection | undefined;
  if (action) {
    const connection = action.optionalObject('networkConnectionAction');
    if (connection) {
      const direction = connection.optionalString('connectionDirection');
      connectionDirection =
        direction && (DIRECTIONS as string[]).includes(direction)
          ? (direction as ConnectionDirection)
          : undefined;
      remote.addDetails(
        connection.optionalObject('remoteIpDetails'),
        'networkConnectionAction',
        connectionDirection === 'INBOUND' ? portOf(connection.optionalObject('localPortDetails')) : undefined,
      );
    }
    const probe = action.optionalObject('portProbeAction');
    if (probe)
      for (const entry of probe.objects('portProbeDetails'))
        remote.addDetails(
          entry.optionalObject('remoteIpDetails'),
          'portProbeAction',
          portOf(entry.optionalObject('localPortDetails')),
        );
    for (const kind of ['awsApiCallAction', 'kubernetesApiCallAction', 'rdsLoginAttemptAction'])
      remote.addDetails(action.optionalObject(kind)?.optionalObject('remoteIpDetails'), kind);
    const dns = action.optionalObject('dnsRequestAction');
    const domain = dns?.optionalString('domain');
    if (domain) domains.push(domain);
  }
  const additional = service?.optionalObject('additionalInfo');
  return {
    source: 'guardduty',
    id,
    arn: detail.optionalString('arn'),
    type,
    title: detail.optionalString('title'),
    description: detail.optionalString('description'),
    severity,
    severityBand: severityBand(severity),
    accountId,
    region,
    partition,
    createdAt: detail.optionalDate('createdAt'),
    updatedAt: detail.optionalDate('updatedAt'),
    resourceType,
    instance,
    accessKey,
    resourceRole,
    connectionDirection,
    actionType: action?.optionalString('actionType'),
    remoteIps: remote.list,
    domains,
    archived: service?.optionalBoolean('archived') ?? false,
    sample: additional?.optionalBoolean('sample') ?? false,
    event,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Security Hub (ASFF)
// ---------------------------------------------------------------------------------------------------------

const LABEL_SEVERITY: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 4, HIGH: 7, CRITICAL: 9 };

/**
 * GuardDuty's type from ASFF `Types` (`TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce`): the namespace
 * path is dropped and the `-` Security Hub writes for GuardDuty's `/` is put back.
 */
function guardDutyTypeFromAsff(types: string[]): string | undefined {
  for (const t of types) {
    const last = t.split('/').at(-1) ?? '';
    const m = /^([A-Za-z0-9]+):([A-Za-z0-9]+)-(.+)$/.exec(last);
    if (m) return `${m[1]}:${m[2]}/${m[3]}`;
  }
  return undefined;
}

function severityFromAsff(finding: Fields, guardDuty: boolean): number {
  const sev = finding.object('Severity');
  const product = sev.value.Product;
  const original = sev.value.Original;
  if (guardDuty && typeof product === 'number' && product >= 0 && product <= 10) return product;
  if (guardDuty && typeof original === 'string' && /^\d+(\.\d+)?$/.test(original) && Number(original) <= 10)
    return Number(original);
  const label = sev.value.Label;
  if (typeof label === 'string' && label in LABEL_SEVERITY) {
    const normalized = sev.value.Normalized;
    return typeof normalized === 'number' && normalized >= 0 && normalized <= 100
      ? Math.round(normalized) / 10
      : (LABEL_SEVERITY[label] as number);
  }
  if (sev.has('Normalized')) return sev.number('Normalized', 0, 100) / 10;
  return sev.fail('Label', 'is missing (and so are Normalized and, for GuardDuty, Product).');
}

/** ProductFields keys of GuardDuty findings, with or without the newer `aws/guardduty/service/` prefix. */
function productField(fields: Json, suffix: string): string[] {
  return Object.entries(fields)
    .filter(([key, value]) => typeof value === 'string' && (key === suffix || key.endsWith(`/${suffix}`)))
    .map(([, value]) => value as string);
}

function instanceFromAsff(resource: Fields, warnings: string[]): FindingInstance | undefined {
  const id = resource.string('Id');
  const instanceId = /(?:^|instance\/)(i-[0-9a-f]{8,17})$/.exec(id)?.[1];
  if (!instanceId) {
    warnings.push(`${resource.at('Id')} ${JSON.stringify(id)} names no instance; ignored.`);
    return undefined;
  }
  const details = resource.optionalObject('Details')?.optionalObject('AwsEc2Instance');
  const subnetId = details ? identifier(details, 'SubnetId', SUBNET_ID, 'a subnet id', warnings) : undefined;
  const vpcId = details ? identifier(details, 'VpcId', VPC_ID, 'a VPC id', warnings) : undefined;
  const enis = details?.objects('NetworkInterfaces') ?? [];
  const tags: Record<string, string> = {};
  const rawTags = resource.value.Tags;
  if (isObject(rawTags)) for (const [k, v] of Object.entries(rawTags)) if (typeof v === 'string') tags[k] = v;
  return {
    instanceId,
    networkInterfaces: (enis.length ? enis : [undefined]).map((eni) => ({
      networkInterfaceId: eni
        ? identifier(eni, 'NetworkInterfaceId', ENI_ID, 'a network interface id', warnings)
        : undefined,
      subnetId,
      vpcId,
      securityGroupIds: [],
      privateIpAddresses: [],
      ipv6Addresses: [],
    })),
    instanceProfileArn: details
      ? identifier(
          details,
          'IamInstanceProfileArn',
          INSTANCE_PROFILE_ARN,
          'an instance profile ARN',
          warnings,
        )
      : undefined,
    tags,
    imageId: typeof details?.value.ImageId === 'string' ? details.value.ImageId : undefined,
  };
}

/**
 * One Security Hub finding in the AWS Security Finding Format. GuardDuty findings keep their GuardDuty type,
 * severity, role, direction and remote addresses (from `Action`, `Network` and `ProductFields`).
 * @throws MalformedFindingError naming the field.
 */
export function parseAsffFinding(raw: unknown, path: string, event?: Finding['event']): Finding {
  const finding = new Fields(raw, path);
  const warnings: string[] = [];
  const id = finding.string('Id');
  const productArn = finding.string('ProductArn');
  const accountId = finding.string('AwsAccountId', ACCOUNT_ID, 'a 12-digit account id');
  const types = finding.array('Types').map((t) => {
    if (typeof t.value !== 'string') throw new MalformedFindingError(t.path, 'must be a string.');
    return t.value;
  });
  const productFields = finding.optionalObject('ProductFields')?.value ?? {};
  const guardDuty =
    /\/product\/aws\/guardduty$/.test(productArn) ||
    productFields['aws/securityhub/ProductName'] === 'GuardDuty';
  const gdType = guardDuty ? guardDutyTypeFromAsff(types) : undefined;
  const type =
    gdType ??
    (typeof productFields.ControlId === 'string'
      ? `SecurityHub:${productFields.ControlId}`
      : finding.string('GeneratorId'));
  const severity = severityFromAsff(finding, guardDuty);
  const resources = finding.objects('Resources');
  if (resources.length === 0) finding.fail('Resources', 'is empty: a finding names at least one resource.');
  const first = resources[0] as Fields;
  const resourceType = first.string('Type');
  const region =
    finding.optionalString('Region', REGION, 'an AWS region') ??
    first.optionalString('Region', REGION, 'an AWS region') ??
    event?.region ??
    /^arn:aws[a-z-]*:securityhub:([a-z0-9-]+):/.exec(productArn)?.[1];

  let instance: FindingInstance | undefined;
  let accessKey: FindingAccessKey | undefined;
  for (const resource of resources) {
    const kind = resource.string('Type');
    if (kind === 'AwsEc2Instance' && !instance) instance = instanceFromAsff(resource, warnings);
    if (kind === 'AwsIamAccessKey' && !accessKey) {
      const d = resource.optionalObject('Details')?.optionalObject('AwsIamAccessKey');
      const str = (key: string) => (typeof d?.value[key] === 'string' ? (d.value[key] as string) : undefined);
      const userType = str('PrincipalType');
      const principalId = str('PrincipalId');
      const keyId = /^AWS::IAM::AccessKey:([A-Z0-9]{16,128})$/.exec(resource.string('Id'))?.[1];
      accessKey = {
        accessKeyId: str('AccessKeyId') ?? keyId,
        principalId,
        userName: str('UserName') ?? str('PrincipalName'),
        userType,
        roleName:
          userType === 'AssumedRole' && d
            ? identifier(d, 'PrincipalName', ROLE_NAME, 'an IAM role name', warnings)
            : undefined,
        instanceId: sessionInstance(principalId),
      };
    }
    if (kind === 'AwsIamRole' && !accessKey) {
      const name = /:role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(resource.string('Id'))?.[1];
      if (name) accessKey = { roleName: name, userType: 'AssumedRole' };
    }
  }

  const remote = new RemoteIps();
  const domains: string[] = [];
  const action = finding.optionalObject('Action');
  let connectionDirection: ConnectionDirection | undefined;
  if (action) {
    const connection = action.optionalObject('NetworkConnectionAction');
    const d = connection?.optionalString('ConnectionDirection');
    if (d && (DIRECTIONS as string[]).includes(d)) connectionDirection = d as ConnectionDirection;
    const details = (o: Fields | undefined) => (o ? new Fields(camelKeys(o.value), o.path) : undefined);
    remote.addDetails(details(connection?.optionalObject('RemoteIpDetails')), 'networkConnectionAction');
    for (const entry of action.optionalObject('PortProbeAction')?.objects('PortProbeDetails') ?? [])
      remote.addDetails(
        details(entry.optionalObject('RemoteIpDetails')),
        'portProbeAction',
        portOf(details(entry.optionalObject('LocalPortDetails'))),
      );
    remote.addDetails(
      details(action.optionalObject('AwsApiCallAction')?.optionalObject('RemoteIpDetails')),
      'awsApiCallAction',
    );
    const domain = action.optionalObject('DnsRequestAction')?.optionalString('Domain');
    if (domain) domains.push(domain);
  }
  const network = finding.optionalObject('Network');
  if (network) {
    const direction = network.optionalString('Direction');
    connectionDirection ??= direction === 'IN' ? 'INBOUND' : direction === 'OUT' ? 'OUTBOUND' : undefined;
    const side = direction === 'OUT' ? 'Destination' : 'Source';
    remote.add(network.value[`${side}IpV4`], network.at(`${side}IpV4`), 'network');
    remote.add(network.value[`${side}IpV6`], network.at(`${side}IpV6`), 'network');
  }
  for (const [key, value] of Object.entries(productFields))
    if (typeof value === 'string' && /remoteIpDetails\/ipAddressV[46]$/.test(key))
      remote.add(
        value,
        `${finding.at('ProductFields')}.${key}`,
        key.split('/').find((p) => p.endsWith('Action')) ?? 'productFields',
      );
  for (const domain of productField(productFields, 'dnsRequestAction/domain'))
    if (!domains.includes(domain)) domains.push(domain);
  const direction = productField(productFields, 'connectionDirection')[0];
  if (!connectionDirection && direction && (DIRECTIONS as string[]).includes(direction))
    connectionDirection = direction as ConnectionDirection;
  const role = productField(productFields, 'resourceRole')[0];
  const resourceRole = role && (ROLES as string[]).includes(role) ? (role as ResourceRole) : undefined;
  const workflow =
    finding.optionalObject('Workflow')?.optionalString('Status') ?? finding.optionalString('WorkflowState');
  const shortId = /\/finding\/([A-Za-z0-9-]+)$/.exec(id)?.[1] ?? id;
  if (!FINDING_ID.test(shortId))
    finding.fail(
      'Id',
      `must end in a finding id (letters, digits and ._:/@-, at most 256), got ${JSON.stringify(id.slice(0, 80))}.`,
    );
  const sample = productField(productFields, 'additionalInfo/sample')[0] === 'true';
  return {
    source: 'securityhub',
    id: shortId,
    arn: id,
    type,
    title: finding.optionalString('Title'),
    description: finding.optionalString('Description'),
    severity,
    severityBand: severityBand(severity),
    accountId,
    region,
    partition: first.optionalString('Partition', PARTITION, 'an AWS partition') ?? partitionOf(region),
    createdAt: finding.optionalDate('CreatedAt'),
    updatedAt: finding.optionalDate('UpdatedAt'),
    resourceType,
    instance,
    accessKey,
    resourceRole,
    connectionDirection,
    actionType: action?.optionalString('ActionType') ?? productField(productFields, 'action/actionType')[0],
    remoteIps: remote.list,
    domains,
    archived:
      finding.value.RecordState === 'ARCHIVED' || workflow === 'SUPPRESSED' || workflow === 'RESOLVED',
    sample,
    event,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The envelope: what `rebaseline respond --finding` and the router Lambda receive.
// ---------------------------------------------------------------------------------------------------------

const isAsff = (value: unknown) => isObject(value) && 'SchemaVersion' in value && 'ProductArn' in value;
const isGuardDuty = (value: unknown) =>
  isObject(value) && 'type' in value && ('service' in value || 'resource' in value);

function envelopeOf(event: Json): Finding['event'] {
  const str = (key: string) => (typeof event[key] === 'string' ? (event[key] as string) : undefined);
  const detail = isObject(event.detail) ? event.detail : {};
  return {
    account: str('account') && ACCOUNT_ID.test(str('account') as string) ? str('account') : undefined,
    region: str('region') && REGION.test(str('region') as string) ? str('region') : undefined,
    detailType: str('detail-type'),
    time: str('time'),
    actionName: typeof detail.actionName === 'string' ? detail.actionName : undefined,
  };
}

/**
 * Every finding in what GuardDuty, Security Hub or a person hands over: a "GuardDuty Finding" EventBridge event, a
 * bare GuardDuty finding, GuardDuty's `GetFindings` output (PascalCase, as the AWS CLI prints it), a Security Hub
 * "Findings - Imported" or "Findings - Custom Action" event (`detail.findings[]`), a bare ASFF finding, Security
 * Hub's `GetFindings` output, or a list of any of these.
 * @throws MalformedFindingError naming the field when anything is not a finding; no finding is returned then, so
 * a half-read event never starts a playbook.
 * @example
 * parseFindings(JSON.parse(readFileSync('guardduty-event.json', 'utf8')))[0].type; // 'UnauthorizedAccess:EC2/SSHBruteForce'
 */
export function parseFindings(input: unknown, path = ''): Finding[] {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (Array.isArray(input)) {
    if (input.length === 0) throw new MalformedFindingError(path || 'input', 'is an empty list.');
    return input.flatMap((item, i) => parseFindings(item, `${path}[${i}]`));
  }
  if (!isObject(input))
    throw new MalformedFindingError(
      path || 'input',
      'must be a JSON object (a finding or an EventBridge event).',
    );
  if (isObject(input.detail)) {
    const event = envelopeOf(input);
    const source = input.source;
    if (source !== undefined && source !== 'aws.guardduty' && source !== 'aws.securityhub')
      throw new MalformedFindingError(
        at('source'),
        `must be aws.guardduty or aws.securityhub, got ${JSON.stringify(source)}.`,
      );
    const detail = input.detail;
    if (source === 'aws.securityhub' || (source === undefined && Array.isArray(detail.findings))) {
      const findings = new Fields(detail, at('detail')).array('findings');
      if (findings.length === 0)
        throw new MalformedFindingError(
          at('detail.findings'),
          detail.findings === undefined ? 'is missing.' : 'is empty.',
        );
      return findings.map((f) => parseAsffFinding(f.value, f.path, event));
    }
    return [parseGuardDutyFinding(detail, at('detail'), event)];
  }
  if (Array.isArray(input.Findings)) {
    if (input.Findings.length === 0) throw new MalformedFindingError(at('Findings'), 'is empty.');
    return input.Findings.map((f, i) =>
      isAsff(f)
        ? parseAsffFinding(f, `${at('Findings')}[${i}]`)
        : parseGuardDutyFinding(camelKeys(f), `${at('Findings')}[${i}]`),
    );
  }
  if (isAsff(input)) return [parseAsffFinding(input, path)];
  if (isGuardDuty(input)) return [parseGuardDutyFinding(input, path)];
  if ('Type' in input && 'Service' in input) return [parseGuardDutyFinding(camelKeys(input), path)];
  throw new MalformedFindingError(
    path || 'input',
    'is neither a finding nor an EventBridge event carrying one (expected detail, Findings, a GuardDuty finding with type and service, or an ASFF finding with SchemaVersion and ProductArn).',
  );
}
