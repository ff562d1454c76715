import {
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
} from '@aws-sdk/client-ec2';
import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import {
  loadPrefixLists,
  type Parameters,
  rule,
} from '../../../rules/ec2-security-group-no-public-ingress/evaluate';
import { AwsClients } from '../../../shared/aws/clients';
import { CloudTrail } from '../../../shared/aws/services/cloudtrail';
import { EC2 } from '../../../shared/aws/services/ec2';
import { S3 } from '../../../shared/aws/services/s3';
import { S3Control } from '../../../shared/aws/services/s3control';
import { STS } from '../../../shared/aws/services/sts';
import { LiveReader } from '../../../shared/collectors/live-reader';
import { cloudtrailReads } from '../../../shared/collectors/reads/cloudtrail';
import { ec2Reads } from '../../../shared/collectors/reads/ec2';
import { iamReads } from '../../../shared/collectors/reads/iam';
import { s3Reads } from '../../../shared/collectors/reads/s3';
import { bucketRegionFromLocation } from '../../../shared/collectors/reads/s3.live';
import { s3controlReads } from '../../../shared/collectors/reads/s3control';
import { CollectionError, InsufficientDataError, ReaderPartMissingError } from '../../../shared/errors';
import { assumeExecutionRole } from '../../../shared/lambda/config-rule';
import { securityGroupFromApi } from '../../../shared/models/security-group';
import { useMoto } from '../../helpers/moto';
import { params, SCOPE } from '../../helpers/rules';

/** Every part of the framework's reader (the rules' own parts are tested with their rules). */
const ALL_READS = {
  ec2: ec2Reads,
  s3: s3Reads,
  s3control: s3controlReads,
  iam: iamReads,
  cloudtrail: cloudtrailReads,
};
const ACCOUNT = '123456789012';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

describe('shared/collectors/live-reader (moto_server)', () => {
  const moto = useMoto();
  let calls: string[];
  let aws: AwsClients;
  beforeEach(() => {
    calls = [];
    aws = new AwsClients({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      onCall: (service, operation) => calls.push(`${service}:${operation}`),
    });
  });
  const reader = () => new LiveReader(aws, ACCOUNT, ALL_READS);

  describe('security groups', () => {
    async function createGroup(name: string): Promise<string> {
      const ec2 = aws.get(EC2);
      const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
      const sg = await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpc.Vpc?.VpcId }),
      );
      return sg.GroupId ?? '';
    }

    it('reads world-open ingress (IPv4, IPv6, and a rule mixing world and private CIDRs) → NON_COMPLIANT', async () => {
      // Prepare
      const groupId = await createGroup('web');
      await aws.get(EC2).send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 22,
              ToPort: 22,
              IpRanges: [{ CidrIp: '0.0.0.0/0' }],
              Ipv6Ranges: [{ CidrIpv6: '::/0' }],
            },
            {
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }],
            },
            { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
        }),
      );
      // Act
      const [group] = await reader().describeSecurityGroups([groupId]);
      const model = securityGroupFromApi(group ?? {}, ACCOUNT, 'us-east-1');
      const verdict = rule.evaluate(
        model,
        params<Parameters>(rule, { authorizedTcpPorts: '443' }),
        { prefixLists: {} },
        SCOPE,
      );
      // Assess
      expect(model.resourceId).to.equal(groupId);
      expect(verdict).to.deep.equal({
        complianceType: 'NON_COMPLIANT',
        annotation:
          'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port). Ingress tcp 22 is open to ::/0 (not an authorized port). Ingress tcp 5432 is open to 0.0.0.0/0 (not an authorized port).',
      });
    });

    it('a group open only to private ranges is COMPLIANT', async () => {
      const groupId = await createGroup('db');
      await aws.get(EC2).send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
          ],
        }),
      );
      const [group] = await reader().describeSecurityGroups([groupId]);
      const verdict = rule.evaluate(
        securityGroupFromApi(group ?? {}, ACCOUNT, 'us-east-1'),
        params<Parameters>(rule),
        { prefixLists: {} },
        SCOPE,
      );
      expect(verdict.complianceType).to.equal('COMPLIANT');
    });

    it('resolves a managed prefix list containing 0.0.0.0/0 → the world', async () => {
      // Prepare
      const ec2 = aws.get(EC2);
      const groupId = await createGroup('via-prefix-list');
      const list = await ec2.send(
        new CreateManagedPrefixListCommand({
          PrefixListName: 'everyone',
          AddressFamily: 'IPv4',
          MaxEntries: 5,
          Entries: [{ Cidr: '192.168.0.0/16' }, { Cidr: '0.0.0.0/0' }],
        }),
      );
      const prefixListId = list.PrefixList?.PrefixListId ?? '';
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 3389,
              ToPort: 3389,
              PrefixListIds: [{ PrefixListId: prefixListId }],
            },
          ],
        }),
      );
      const r = reader();
      // Act
      const cidrs = await r.prefixListCidrs(prefixListId);
      const [group] = await r.describeSecurityGroups([groupId]);
      const model = securityGroupFromApi(group ?? {}, ACCOUNT, 'us-east-1');
      const context = await loadPrefixLists(r, [model]);
      const verdict = rule.evaluate(model, params<Parameters>(rule), context, SCOPE);
      // Assess
      expect(cidrs).to.have.members(['192.168.0.0/16', '0.0.0.0/0']);
      expect(verdict).to.deep.equal({
        complianceType: 'NON_COMPLIANT',
        annotation: `Ingress tcp 3389 is open to 0.0.0.0/0 via prefix list ${prefixListId} (not an authorized port).`,
      });
    });

    it("the rule's periodic collect reads every group of the region, the default group included", async () => {
      const groupId = await createGroup('web');
      const models = await rule.collect!(reader(), { ...SCOPE, accountId: ACCOUNT }, params(rule));
      const ids = models.map((m) => m.resourceId);
      expect(ids).to.include(groupId);
      expect(models.find((m) => m.resourceId === groupId)).to.deep.include({
        resourceType: 'AWS::EC2::SecurityGroup',
        accountId: ACCOUNT,
        groupName: 'web',
      });
    });

    it('reads each answer once per invocation', async () => {
      const groupId = await createGroup('web');
      const r = reader();
      calls = [];
      await r.describeSecurityGroups([groupId]);
      await r.describeSecurityGroups([groupId]);
      expect(calls).to.deep.equal(['ec2:DescribeSecurityGroups']);
    });
  });

  describe('buckets', () => {
    async function createBucket(name: string, region = 'us-east-1') {
      await aws
        .inRegion(region)
        .get(S3)
        .send(
          new CreateBucketCommand({
            Bucket: name,
            ...(region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
          }),
        );
    }

    it("lists only the buckets of the reader's region", async () => {
      // Prepare
      await createBucket('rebaseline-east-1');
      await createBucket('rebaseline-east-2');
      await createBucket('rebaseline-ireland', 'eu-west-1');
      // Act
      const east = await reader().listBucketNames();
      const ireland = await new LiveReader(aws.inRegion('eu-west-1'), ACCOUNT, ALL_READS).listBucketNames();
      // Assess
      expect(east).to.have.members(['rebaseline-east-1', 'rebaseline-east-2']);
      expect(ireland).to.deep.equal(['rebaseline-ireland']);
    });

    it('reads a public-read ACL, a policy, bucket BPA, ownership and tags', async () => {
      // Prepare
      const s3 = aws.get(S3);
      const bucket = 'rebaseline-everything';
      const policy = {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PublicRead',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
        ],
      };
      await createBucket(bucket);
      await s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: bucket,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
        }),
      );
      await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: false,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: false,
          },
        }),
      );
      await s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: [{ Key: 'Owner', Value: 'web-team' }] },
        }),
      );
      // Act
      const readout = await reader().readBucket(bucket);
      // Assess
      expect(readout).to.deep.include({
        name: bucket,
        region: 'us-east-1',
        publicAccessBlock: {
          BlockPublicAcls: true,
          IgnorePublicAcls: false,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: false,
        },
        objectOwnership: 'BucketOwnerPreferred',
        tags: { Owner: 'web-team' },
      });
      expect(JSON.parse(readout.policy ?? 'null')).to.deep.equal(policy);
      expect(
        readout.grants?.filter((g) => g.Grantee?.URI === ALL_USERS).map((g) => g.Permission),
      ).to.deep.equal(['READ']);
    });

    it('a bucket without policy, BPA, ownership controls or tags reads as null / empty', async () => {
      await createBucket('rebaseline-plain');
      const readout = await reader().readBucket('rebaseline-plain');
      expect(readout).to.deep.include({ policy: null, publicAccessBlock: null, tags: {} });
      expect(readout.grants?.map((g) => g.Permission)).to.deep.equal(['FULL_CONTROL']);
      expect(readout.grants?.some((g) => g.Grantee?.URI === ALL_USERS)).to.equal(false);
    });

    it("maps GetBucketLocation's answers to regions", () => {
      expect(bucketRegionFromLocation(undefined)).to.equal('us-east-1');
      expect(bucketRegionFromLocation(null)).to.equal('us-east-1');
      expect(bucketRegionFromLocation('')).to.equal('us-east-1');
      expect(bucketRegionFromLocation('EU')).to.equal('eu-west-1');
      expect(bucketRegionFromLocation('ap-south-1')).to.equal('ap-south-1');
    });

    it('a bucket that cannot be read is a CollectionError naming it', async () => {
      try {
        await reader().readBucket('rebaseline-does-not-exist');
        expect.fail('read a bucket that does not exist');
      } catch (error) {
        expect(error).to.be.instanceOf(CollectionError);
        expect((error as CollectionError).resourceId).to.equal('rebaseline-does-not-exist');
        expect((error as Error).message).to.equal(
          'Could not read AWS::S3::Bucket rebaseline-does-not-exist: NoSuchBucket.',
        );
      }
    });
  });

  describe('account-level Block Public Access (S3 Control)', () => {
    it('is null when none is configured, then the flags once set', async () => {
      // Act + Assess: absent.
      expect(await reader().accountPublicAccessBlock()).to.equal(null);
      // Prepare
      await aws.get(S3Control).send(
        new PutAccountPublicAccessBlockCommand({
          AccountId: ACCOUNT,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: false,
            RestrictPublicBuckets: true,
          },
        }),
      );
      // Act + Assess: set.
      expect(await reader().accountPublicAccessBlock()).to.deep.equal({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      });
    });

    it('is read once per invocation', async () => {
      const r = reader();
      await r.accountPublicAccessBlock();
      await r.accountPublicAccessBlock();
      expect(calls.filter((c) => c.startsWith('s3control:'))).to.deep.equal([
        's3control:GetPublicAccessBlock',
      ]);
    });
  });

  describe('CloudTrail', () => {
    it('reads trails, their status and their event selectors', async () => {
      // Prepare
      await aws.get(S3).send(new CreateBucketCommand({ Bucket: 'rebaseline-trail-logs' }));
      const trail = await aws.get(CloudTrail).send(
        new CreateTrailCommand({
          Name: 'org-trail',
          S3BucketName: 'rebaseline-trail-logs',
          IsMultiRegionTrail: true,
          EnableLogFileValidation: true,
        }),
      );
      await aws.get(CloudTrail).send(new StartLoggingCommand({ Name: 'org-trail' }));
      await aws.get(CloudTrail).send(
        new PutEventSelectorsCommand({
          TrailName: 'org-trail',
          EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
        }),
      );
      const r = reader();
      // Act
      const trails = await r.describeTrails();
      const found = trails.find((t) => t.Name === 'org-trail');
      const status = await r.trailStatus(found ?? {});
      const selectors = await r.eventSelectors(found ?? {});
      // Assess
      expect(found).to.deep.include({
        TrailARN: trail.TrailARN,
        IsMultiRegionTrail: true,
        LogFileValidationEnabled: true,
        S3BucketName: 'rebaseline-trail-logs',
      });
      expect(status.IsLogging).to.equal(true);
      expect(selectors.EventSelectors).to.have.length(1);
      expect(selectors.EventSelectors?.[0]).to.deep.include({
        ReadWriteType: 'All',
        IncludeManagementEvents: true,
      });
    });

    it('a trail that is not logging reads IsLogging false', async () => {
      await aws.get(S3).send(new CreateBucketCommand({ Bucket: 'rebaseline-trail-logs' }));
      await aws
        .get(CloudTrail)
        .send(new CreateTrailCommand({ Name: 'quiet-trail', S3BucketName: 'rebaseline-trail-logs' }));
      const r = reader();
      const [trail] = await r.describeTrails();
      expect((await r.trailStatus(trail ?? {})).IsLogging).to.equal(false);
    });

    it('no trail reads as an empty list', async () => {
      expect(await reader().describeTrails()).to.deep.equal([]);
    });

    it('reads a multi-region trail from another region (a shadow trail) in its home region', async () => {
      // Prepare: the trail lives in eu-west-1; the reader runs in us-east-1.
      const ireland = aws.inRegion('eu-west-1');
      await ireland.get(S3).send(
        new CreateBucketCommand({
          Bucket: 'rebaseline-trail-logs-eu',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      await ireland.get(CloudTrail).send(
        new CreateTrailCommand({
          Name: 'home-eu',
          S3BucketName: 'rebaseline-trail-logs-eu',
          IsMultiRegionTrail: true,
        }),
      );
      await ireland.get(CloudTrail).send(new StartLoggingCommand({ Name: 'home-eu' }));
      await ireland.get(CloudTrail).send(
        new PutEventSelectorsCommand({
          TrailName: 'home-eu',
          AdvancedEventSelectors: [
            {
              Name: 'Management events',
              FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
            },
          ],
        }),
      );
      const r = reader();
      // Act
      const [trail] = await r.describeTrails();
      const status = await r.trailStatus(trail ?? {});
      const selectors = await r.eventSelectors(trail ?? {});
      // Assess
      expect(trail).to.deep.include({ Name: 'home-eu', HomeRegion: 'eu-west-1', IsMultiRegionTrail: true });
      expect(status.IsLogging).to.equal(true);
      expect(selectors.AdvancedEventSelectors?.[0]?.FieldSelectors).to.deep.equal([
        { Field: 'eventCategory', Equals: ['Management'] },
      ]);
    });
  });

  describe('IAM', () => {
    it('reads the credential report as CSV text', async () => {
      const csv = await new LiveReader(aws, ACCOUNT, ALL_READS, {
        attempts: 5,
        delayMs: 10,
      }).credentialReport();
      expect(csv.split('\n')[0]).to.match(/^user,arn,user_creation_time,password_enabled,/);
    });

    it('reads AccountAccessKeysPresent from the account summary', async () => {
      expect(await reader().accountAccessKeysPresent()).to.equal(0);
    });
  });

  describe('parts', () => {
    it('a read of a part the reader was not built with is a ReaderPartMissingError naming it; nothing is sent', async () => {
      // Prepare: the parts of the account-level Block Public Access rule only.
      const partial = new LiveReader(aws, ACCOUNT, { s3control: s3controlReads });
      calls = [];
      // Act
      const error = await partial.describeSecurityGroups().catch((e: unknown) => e);
      // Assess
      expect(error).to.be.instanceOf(ReaderPartMissingError);
      expect(error).to.deep.include({ read: 'describeSecurityGroups', part: 'ec2' });
      expect((error as Error).message).to.include('the part ec2');
      expect(calls).to.deep.equal([]);
    });

    it('reads through the parts it was built with', async () => {
      const partial = new LiveReader(aws, ACCOUNT, { s3control: s3controlReads });
      calls = [];
      expect(await partial.accountPublicAccessBlock()).to.equal(null);
      expect(calls).to.deep.equal(['s3control:GetPublicAccessBlock']);
    });

    it("a rule's reader is built from the parts the rule declares", async () => {
      const ruleReader = new LiveReader(aws, ACCOUNT, rule.reads);
      expect(await ruleReader.describeSecurityGroups()).to.be.an('array');
      expect(await ruleReader.credentialReport().catch((e: unknown) => e)).to.be.instanceOf(
        ReaderPartMissingError,
      );
    });
  });

  describe('central mode: AssumeRole into another account', () => {
    it('assumeExecutionRole returns clients that act in the other account', async () => {
      // Act
      const member = await assumeExecutionRole(
        aws,
        'aws',
        '210987654321',
        'RebaselineExecution',
        rule.meta.id,
      );
      const identity = await member.get(STS).send(new GetCallerIdentityCommand({}));
      // Assess
      expect(identity.Account).to.equal('210987654321');
      expect(identity.Arn).to.equal(
        `arn:aws:sts::210987654321:assumed-role/RebaselineExecution/rebaseline-${rule.meta.id}`,
      );
      expect(member.endpoint).to.equal(moto.endpoint);
    });

    it("the member account's resources are read, not the central account's", async () => {
      // Prepare: a group created in the member account only.
      const member = await assumeExecutionRole(
        aws,
        'aws',
        '210987654321',
        'RebaselineExecution',
        rule.meta.id,
      );
      const created = await member
        .get(EC2)
        .send(new CreateSecurityGroupCommand({ GroupName: 'member-only', Description: 'member-only' }));
      // Act
      const memberGroups = await new LiveReader(member, '210987654321', ALL_READS).describeSecurityGroups();
      const centralGroups = await reader().describeSecurityGroups();
      // Assess
      expect(memberGroups.map((g) => g.GroupId)).to.include(created.GroupId);
      expect(centralGroups.map((g) => g.GroupId)).not.to.include(created.GroupId);
    });
  });

  describe('credential report waits (IAM stubbed)', () => {
    let iam: AwsClientStub<IAMClient>;
    before(() => {
      iam = mockClient(IAMClient);
    });
    beforeEach(() => iam.reset());
    after(() => iam.restore());
    const csv = 'user,arn\n<root_account>,arn:aws:iam::123456789012:root\n';
    const waiting = () =>
      new LiveReader(new AwsClients({ region: 'us-east-1' }), ACCOUNT, ALL_READS, {
        attempts: 3,
        delayMs: 0,
      });
    const failure = (name: string) => Object.assign(new Error(name), { name });

    it('asks again until the report is COMPLETE, then reads it', async () => {
      iam
        .on(GenerateCredentialReportCommand)
        .resolvesOnce({ State: 'STARTED' })
        .resolvesOnce({ State: 'INPROGRESS' })
        .resolves({ State: 'COMPLETE' });
      iam
        .on(GetCredentialReportCommand)
        .resolves({ Content: new TextEncoder().encode(csv), ReportFormat: 'text/csv' });
      expect(await waiting().credentialReport()).to.equal(csv);
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(3);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(1);
    });

    it('a report still in progress when read is asked for again', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam
        .on(GetCredentialReportCommand)
        .rejectsOnce(failure('ReportInProgress'))
        .resolves({ Content: new TextEncoder().encode(csv) });
      expect(await waiting().credentialReport()).to.equal(csv);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(2);
    });

    it('a report that never completes is an InsufficientDataError after the bounded wait', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
      try {
        await waiting().credentialReport();
        expect.fail('returned a report that never completed');
      } catch (error) {
        expect(error).to.be.instanceOf(InsufficientDataError);
      }
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(3);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(0);
    });

    it('any other error is not swallowed', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam.on(GetCredentialReportCommand).rejects(failure('AccessDenied'));
      try {
        await waiting().credentialReport();
        expect.fail('returned a report it could not read');
      } catch (error) {
        expect((error as Error).name).to.equal('AccessDenied');
      }
    });
  });
});
