import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  AttachInstancesCommand,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  AssociateVpcCidrBlockCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSnapshotsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateIPSetCommand, GetIPSetCommand } from '@aws-sdk/client-wafv2';
import { AwsClients } from '../../shared/aws/clients';
import { AutoScaling } from '../../shared/aws/services/autoscaling';
import { DynamoDB } from '../../shared/aws/services/dynamodb';
import { EC2 } from '../../shared/aws/services/ec2';
import { ELBv2 } from '../../shared/aws/services/elbv2';
import { IAM } from '../../shared/aws/services/iam';
import { SNS } from '../../shared/aws/services/sns';
import { WAFv2 } from '../../shared/aws/services/wafv2';
import { recordResponse } from '../history/incidents';
import { writeReport } from '../history/report';
import { HistoryStore } from '../history/store';
import { startMoto } from '../moto';
import { type IncidentResponse, type PlaybookEntry, respondToFindings } from '../respond';

export const INCIDENT_ACCOUNT = '123456789012';
export const INCIDENT_REGION = 'us-east-1';

/** What the act built: a web tier instance in an Auto Scaling group behind a target group, with a profile. */
interface Stage {
  vpcId: string;
  subnetId: string;
  instanceId: string;
  interfaceId: string;
  targetGroupArn: string;
  autoScalingGroup: string;
  topicArn: string;
  wafIpSetArns: string[];
}

/** One line of the before/after table. */
export interface StateRow {
  what: string;
  before: string;
  after: string;
}

export interface IncidentDemoResult {
  response: IncidentResponse;
  state: StateRow[];
  /** The notification the loopback subscriber received (subject). */
  notification?: string;
  historyDb: string;
  reportPath: string;
  durationMs: number;
}

async function build(aws: AwsClients, subscriberUrl: string): Promise<Stage> {
  const ec2 = aws.get(EC2);
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!;
  await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpc.VpcId, AmazonProvidedIpv6CidrBlock: true }));
  const subnet = (
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.VpcId,
        CidrBlock: '10.40.1.0/24',
        AvailabilityZone: 'us-east-1a',
      }),
    )
  ).Subnet!;
  const web = (
    await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'web-tier', Description: 'web tier', VpcId: vpc.VpcId }),
    )
  ).GroupId!;
  const iam = aws.get(IAM);
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'web-tier-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  const profile = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-tier' })))
    .InstanceProfile!;
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-tier', RoleName: 'web-tier-role' }),
  );
  const instance = (
    await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-760aaa0f',
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.SubnetId, Groups: [web] }],
        IamInstanceProfile: { Arn: profile.Arn },
        BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 8, DeleteOnTermination: true } }],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web-1' }] }],
      }),
    )
  ).Instances![0]!;
  const asg = aws.get(AutoScaling);
  await asg.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: 'web-lc',
      ImageId: 'ami-760aaa0f',
      InstanceType: 't3.micro',
    }),
  );
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'web-asg',
      LaunchConfigurationName: 'web-lc',
      MinSize: 0,
      MaxSize: 4,
      DesiredCapacity: 0,
      VPCZoneIdentifier: subnet.SubnetId,
    }),
  );
  await asg.send(
    new AttachInstancesCommand({ AutoScalingGroupName: 'web-asg', InstanceIds: [instance.InstanceId!] }),
  );
  const tg = (
    await aws.get(ELBv2).send(
      new CreateTargetGroupCommand({
        Name: 'web-tg',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpc.VpcId,
        TargetType: 'instance',
      }),
    )
  ).TargetGroups![0]!;
  await aws.get(ELBv2).send(
    new RegisterTargetsCommand({
      TargetGroupArn: tg.TargetGroupArn,
      Targets: [{ Id: instance.InstanceId!, Port: 8080 }],
    }),
  );
  await aws.get(DynamoDB).send(
    new CreateTableCommand({
      TableName: 'rebaseline-incident-state',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const { TopicArn } = await aws.get(SNS).send(new CreateTopicCommand({ Name: 'security-incidents' }));
  await aws.get(SNS).send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriberUrl }));
  const waf = aws.get(WAFv2);
  const v4 = (
    await waf.send(
      new CreateIPSetCommand({
        Name: 'rebaseline-blocked-v4',
        Scope: 'REGIONAL',
        IPAddressVersion: 'IPV4',
        Addresses: [],
      }),
    )
  ).Summary!;
  const v6 = (
    await waf.send(
      new CreateIPSetCommand({
        Name: 'rebaseline-blocked-v6',
        Scope: 'REGIONAL',
        IPAddressVersion: 'IPV6',
        Addresses: [],
      }),
    )
  ).Summary!;
  return {
    vpcId: vpc.VpcId!,
    subnetId: subnet.SubnetId!,
    instanceId: instance.InstanceId!,
    interfaceId: instance.NetworkInterfaces![0]!.NetworkInterfaceId!,
    targetGroupArn: tg.TargetGroupArn!,
    autoScalingGroup: 'web-asg',
    topicArn: TopicArn!,
    wafIpSetArns: [v4.ARN!, v6.ARN!],
  };
}

/** GuardDuty's sample SSH brute-force finding (amazon-guardduty-waf-acl, see examples/PROVENANCE.md). */
export const SAMPLE_FINDING = join(__dirname, '..', '..', 'examples', 'guardduty-ssh-brute-force.event.json');

/** The parts of the sample the act changes. */
interface SampleDetail {
  type: string;
  severity: number;
  accountId?: string;
  title?: string;
  resource: {
    instanceDetails: {
      instanceId: string;
      networkInterfaces: { subnetId?: string; vpcId?: string; networkInterfaceId?: string }[];
    };
  };
  service: { resourceRole?: string; action: { networkConnectionAction: { connectionDirection?: string } } };
}

/** The corpus sample adapted to the act: its instance, account and subnet, as command-and-control traffic. */
function adaptedFinding(stage: Stage): Record<string, unknown> {
  const detail = (JSON.parse(readFileSync(SAMPLE_FINDING, 'utf8')) as { detail: SampleDetail }).detail;
  detail.type = 'Backdoor:EC2/C&CActivity.B';
  detail.severity = 8;
  detail.accountId = INCIDENT_ACCOUNT;
  detail.resource.instanceDetails.instanceId = stage.instanceId;
  detail.resource.instanceDetails.networkInterfaces = [
    {
      ...detail.resource.instanceDetails.networkInterfaces[0],
      subnetId: stage.subnetId,
      vpcId: stage.vpcId,
      networkInterfaceId: stage.interfaceId,
    },
  ];
  detail.service.resourceRole = 'ACTOR';
  detail.service.action.networkConnectionAction.connectionDirection = 'OUTBOUND';
  detail.title = `EC2 instance ${stage.instanceId} is communicating with a command and control server.`;
  return {
    source: 'aws.guardduty',
    'detail-type': 'GuardDuty Finding',
    account: INCIDENT_ACCOUNT,
    region: INCIDENT_REGION,
    detail,
  };
}

async function observe(aws: AwsClients, stage: Stage): Promise<Record<string, string>> {
  const ec2 = aws.get(EC2);
  const groups =
    (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [stage.interfaceId] })))
      .NetworkInterfaces![0]!.Groups ?? [];
  const profile =
    (
      await ec2.send(
        new DescribeIamInstanceProfileAssociationsCommand({
          Filters: [{ Name: 'instance-id', Values: [stage.instanceId] }],
        }),
      )
    ).IamInstanceProfileAssociations ?? [];
  const asg =
    (
      await aws
        .get(AutoScaling)
        .send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [stage.instanceId] }))
    ).AutoScalingInstances ?? [];
  const targets =
    (await aws.get(ELBv2).send(new DescribeTargetHealthCommand({ TargetGroupArn: stage.targetGroupArn })))
      .TargetHealthDescriptions ?? [];
  const protection = await ec2.send(
    new DescribeInstanceAttributeCommand({
      InstanceId: stage.instanceId,
      Attribute: 'disableApiTermination',
    }),
  );
  const snapshots =
    (
      await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: 'tag-key', Values: ['rebaseline:finding'] }],
        }),
      )
    ).Snapshots ?? [];
  const acl = (
    await ec2.send(
      new DescribeNetworkAclsCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [stage.subnetId] }],
      }),
    )
  ).NetworkAcls![0]!;
  const denies = (acl.Entries ?? []).filter((e) => e.RuleAction === 'deny' && (e.RuleNumber ?? 0) < 32767);
  const waf = await Promise.all(
    stage.wafIpSetArns.map(async (arn) => {
      const [, name, id] = /ipset\/([^/]+)\/(.+)$/.exec(arn) ?? [];
      return (
        (await aws.get(WAFv2).send(new GetIPSetCommand({ Name: name, Id: id, Scope: 'REGIONAL' }))).IPSet
          ?.Addresses ?? []
      );
    }),
  );
  return {
    'Security groups of the instance': groups.map((g) => g.GroupName).join(', '),
    'Instance profile':
      profile
        .filter((p) => p.State === 'associated')
        .map((p) => p.IamInstanceProfile?.Arn?.split('/').at(-1))
        .join(', ') || 'none',
    'Auto Scaling group':
      asg.map((a) => `${a.AutoScalingGroupName} (${a.LifecycleState})`).join(', ') || 'none',
    'Target group web-tg':
      targets
        .filter((t) => t.Target?.Id === stage.instanceId)
        .map((t) => `registered :${t.Target?.Port}`)
        .join(', ') || 'not registered',
    'Termination protection': protection.DisableApiTermination?.Value ? 'on' : 'off',
    'Evidence snapshots': String(snapshots.length),
    'Network ACL denies':
      denies
        .map((d) => `${d.Egress ? 'out' : 'in'} ${d.CidrBlock ?? d.Ipv6CidrBlock} #${d.RuleNumber}`)
        .join(', ') || 'none',
    'WAF IP sets': waf.flat().join(', ') || 'empty',
  };
}

/**
 * The second act, on the embedded emulator: a web-tier instance in an Auto Scaling group behind a target group, with
 * an instance profile; GuardDuty's sample finding from the corpus, adapted to it as command-and-control traffic;
 * `respond --apply`: the address blocked (network ACL and WAF), the instance isolated with its evidence kept, one
 * notification delivered to a subscriber on loopback; the state before and after, recorded and reported.
 */
export async function runIncidentDemo(options: {
  playbooks: readonly PlaybookEntry[];
  outDir?: string;
  db?: string;
  log?: (line: string) => void;
}): Promise<IncidentDemoResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const outDir = options.outDir ?? join(process.cwd(), 'rebaseline-demo');
  mkdirSync(outDir, { recursive: true });
  const dbPath = options.db ?? join(outDir, `incident-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      res.writeHead(200).end();
      const message = JSON.parse(body) as { Type: string; Subject?: string; SubscribeURL?: string };
      if (message.Type === 'SubscriptionConfirmation' && message.SubscribeURL)
        fetch(message.SubscribeURL).catch(() => undefined);
      else if (message.Type === 'Notification') received.push(message.Subject ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  log('Starting the local AWS emulator (moto_server)…');
  const moto = await startMoto();
  const store = HistoryStore.open(dbPath);
  try {
    const aws = new AwsClients({
      region: INCIDENT_REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    });
    log(
      'Building a web tier: an instance in an Auto Scaling group, behind a target group, with an instance profile…',
    );
    const stage = await build(aws, `http://127.0.0.1:${(server.address() as AddressInfo).port}/sns`);
    const before = await observe(aws, stage);
    log(
      'GuardDuty (corpus sample, adapted): the instance talks to a command-and-control server. Responding with --apply…',
    );
    const [response] = await respondToFindings({
      input: adaptedFinding(stage),
      clients: aws,
      playbooks: options.playbooks,
      apply: true,
      settings: { topicArn: stage.topicArn, wafIpSetArns: stage.wafIpSetArns.join(',') },
      actor: 'rebaseline demo',
    });
    if (!response) throw new Error('the demo finding produced no response');
    recordResponse(store.incidents(), response);
    const after = await observe(aws, stage);
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const reportPath = writeReport(store, { format: 'html', out: join(outDir, 'incident-report.html') });
    return {
      response,
      state: Object.keys(before).map((what) => ({
        what,
        before: before[what] ?? '',
        after: after[what] ?? '',
      })),
      ...(received[0] ? { notification: received[0] } : {}),
      historyDb: dbPath,
      reportPath,
      durationMs: Date.now() - started,
    };
  } finally {
    store.close();
    await moto.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
