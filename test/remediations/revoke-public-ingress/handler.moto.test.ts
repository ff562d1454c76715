import { CreateTagsCommand, type IpPermission, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import {
  createHandler,
  parsePayload,
  REVOKED_INGRESS_TAG,
  type RevokePlan,
  type RevokeVerification,
  tagValue,
} from '../../../remediations/revoke-public-ingress/handler';
import type { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import {
  CollectionError,
  InvalidParametersError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../../shared/errors';
import { useMoto } from '../../helpers/moto';
import {
  ACCOUNT,
  authorize,
  createGroup,
  createInsecureGroup,
  createVpc,
  describeGroup,
  type InsecureGroup,
  motoClients,
  sources,
} from '../helpers';

const NOW = new Date('2026-11-01T10:20:30.456Z');

describe('remediations/revoke-public-ingress/handler (moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  let sg: InsecureGroup;
  const handler = () => createHandler(() => aws, { now: () => NOW });
  const plan = (extra: Record<string, unknown> = {}) =>
    handler()({
      Mode: 'plan',
      AccountId: ACCOUNT,
      GroupId: sg.groupId,
      AuthorizedTcpPorts: '443',
      ...extra,
    }) as Promise<RevokePlan>;

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    sg = await createInsecureGroup(aws);
    calls.length = 0;
  });

  describe('plan', () => {
    it('plans only the world-open sources the rule flags, in the API shape, and changes nothing', async () => {
      // Prepare
      const before = await describeGroup(aws, sg.groupId);
      calls.length = 0;

      // Act
      const result = await plan({ ExecutionId: 'exec-1' });

      // Assess
      expect(result.RevokeCount).to.equal(4);
      expect(sources({ IpPermissions: result.IpPermissions })).to.deep.equal([
        '-1 - 0.0.0.0/0',
        'tcp 22-22 0.0.0.0/0',
        'tcp 3389-3389 ::/0',
        `tcp 8080-8080 ${sg.worldPrefixListId}`,
      ]);
      const ssh = result.IpPermissions.find((p) => p.FromPort === 22);
      expect(ssh, 'the mixed permission keeps 10.0.0.0/8 out of the revocation').to.deep.equal({
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
      });
      expect(JSON.parse(result.RevokedPermissions)).to.deep.equal(result.IpPermissions);
      expect(JSON.parse(result.PreviousIngress)).to.deep.equal(before.IpPermissions);
      expect(result.TagKey).to.equal(REVOKED_INGRESS_TAG);
      expect(result.TagValue).to.match(/^revoked 2026-11-01T10:20:30Z by exec-1: /);
      expect(result.TagValue).to.include('tcp:22=0.0.0.0/0').and.include('tcp:3389=::/0');
      expect(result.TagValue).to.include(`tcp:8080=${sg.worldPrefixListId}`).and.include('all=0.0.0.0/0');
      expect(result.TagValue).to.match(/^[\w\s+\-=.:/@]+$/);
      expect(result.Findings).to.have.length(4);
      expect(result.Message).to.match(/^Revoking 4 world-open source\(s\) from sg-/);
      expect(calls.filter((c) => !/:(Describe|Get)/.test(c))).to.deep.equal([]);
      expect(sources(await describeGroup(aws, sg.groupId))).to.deep.equal(sources(before));
    });

    it('the planned permissions are exactly what RevokeSecurityGroupIngress accepts, leaving the rest', async () => {
      // Prepare
      const result = await plan();

      // Act
      await aws
        .get(EC2)
        .send(
          new RevokeSecurityGroupIngressCommand({ GroupId: sg.groupId, IpPermissions: result.IpPermissions }),
        );

      // Assess
      expect(sources(await describeGroup(aws, sg.groupId))).to.deep.equal([
        'tcp 22-22 10.0.0.0/8',
        'tcp 443-443 0.0.0.0/0',
        `tcp 5432-5432 ${sg.peerGroupId}`,
        'udp 53-53 192.168.0.0/16',
      ]);
      expect(sources(await describeGroup(aws, sg.peerGroupId))).to.deep.equal(['tcp 22-22 0.0.0.0/0']);
    });

    it('passes the authorized ports through: without 443 authorized, 443 is revoked too', async () => {
      const result = await plan({ AuthorizedTcpPorts: '' });
      expect(result.RevokeCount).to.equal(5);
      expect(result.IpPermissions.map((p) => p.FromPort)).to.include(443);
    });

    it('passes AllowIcmp through in its string form', async () => {
      // Prepare
      const vpc = await createVpc(aws);
      const groupId = await createGroup(aws, vpc, 'ping');
      await authorize(aws, groupId, [
        { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ]);

      // Act
      const allowed = (await handler()({
        Mode: 'plan',
        AccountId: ACCOUNT,
        GroupId: groupId,
        AllowIcmp: 'true',
      })) as RevokePlan;
      const denied = (await handler()({
        Mode: 'plan',
        AccountId: ACCOUNT,
        GroupId: groupId,
        AllowIcmp: 'false',
      })) as RevokePlan;

      // Assess
      expect(allowed.RevokeCount).to.equal(0);
      expect(denied.RevokeCount).to.equal(1);
      expect(denied.TagValue).to.include('icmp:8/-1=0.0.0.0/0');
    });

    it('already compliant → plans nothing and says so', async () => {
      // Prepare
      const vpc = await createVpc(aws);
      const groupId = await createGroup(aws, vpc, 'private');
      await authorize(aws, groupId, [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ]);

      // Act
      const result = (await handler()({ Mode: 'plan', AccountId: ACCOUNT, GroupId: groupId })) as RevokePlan;

      // Assess
      expect(result).to.include({ RevokeCount: 0, TagValue: '', RevokedPermissions: '[]' });
      expect(result.IpPermissions).to.deep.equal([]);
      expect(result.Message).to.match(/^Already compliant: sg-\w+ allows no unauthorized ingress/);
    });

    it('an exempted group (tag) → plans nothing and says why', async () => {
      // Prepare
      await aws
        .get(EC2)
        .send(
          new CreateTagsCommand({ Resources: [sg.groupId], Tags: [{ Key: 'public', Value: 'approved' }] }),
        );

      // Act
      const result = await plan({ ExemptTagKey: 'public', ExemptTagValue: 'approved' });

      // Assess
      expect(result.RevokeCount).to.equal(0);
      expect(result.Message).to.equal('Exempted: tagged public=approved. Nothing revoked.');
    });

    it('an exempted group (id) → plans nothing', async () => {
      const result = await plan({ ExemptResourceIds: `sg-00000000000000000, ${sg.groupId}` });
      expect(result.RevokeCount).to.equal(0);
      expect(result.Message).to.match(/^Exempted: sg-\w+ is listed in exemptResourceIds/);
    });

    it('DryRun → the same plan, marked as such', async () => {
      const result = await plan({ DryRun: true });
      expect(result.DryRun).to.equal(true);
      expect(result.RevokeCount).to.equal(4);
      expect(result.Message).to.match(/^Would revoke 4 world-open source\(s\)/);
    });

    it('a group that does not exist → CollectionError naming it', async () => {
      const error = await handler()({
        Mode: 'plan',
        AccountId: ACCOUNT,
        GroupId: 'sg-0123456789abcdef0',
      }).catch((e) => e);
      expect(error).to.be.instanceOf(CollectionError);
      expect(error.message).to.include('sg-0123456789abcdef0').and.include('InvalidGroup.NotFound');
    });
  });

  describe('verify', () => {
    const verify = (extra: Record<string, unknown> = {}) =>
      handler()({
        Mode: 'verify',
        AccountId: ACCOUNT,
        GroupId: sg.groupId,
        AuthorizedTcpPorts: '443',
        ...extra,
      });

    it('still non-compliant → throws RemediationVerificationError with the rule annotation', async () => {
      const error = await verify().catch((e) => e);
      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect(error.message).to.match(/is still not compliant: Ingress tcp 22 is open to 0\.0\.0\.0\/0/);
    });

    it('DryRun → reports what it would verify instead of failing', async () => {
      const result = (await verify({ DryRun: true })) as RevokeVerification;
      expect(result).to.include({ Mode: 'verify', Compliant: false, DryRun: true });
      expect(result.Message).to.match(/^Would verify that sg-\w+ is compliant; now: Ingress/);
    });

    it('compliant after the planned revocation → Verified', async () => {
      // Prepare
      const planned = await plan();
      await aws.get(EC2).send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: sg.groupId,
          IpPermissions: planned.IpPermissions,
        }),
      );

      // Act
      const result = (await verify()) as RevokeVerification;

      // Assess
      expect(result).to.include({
        Compliant: true,
        Annotation: 'No unauthorized ingress from the internet.',
      });
      expect(result.Message).to.match(/^Verified: sg-\w+ is compliant/);
    });
  });

  describe('payload', () => {
    it('rejects what the document never sends', () => {
      expect(() => parsePayload(null)).to.throw(RemediationInputError);
      expect(() =>
        parsePayload({ Mode: 'apply', AccountId: ACCOUNT, GroupId: 'sg-0123456789abcdef0' }),
      ).to.throw(RemediationInputError, /Mode must be "plan" or "verify"/);
      expect(() =>
        parsePayload({ Mode: 'plan', AccountId: ACCOUNT, GroupId: 'i-0123456789abcdef0' }),
      ).to.throw(RemediationInputError, /GroupId must be a security group id/);
      expect(() =>
        parsePayload({ Mode: 'plan', AccountId: ACCOUNT, GroupId: 'sg-0123456789abcdef0', AllowIcmp: {} }),
      ).to.throw(RemediationInputError, /AllowIcmp must be a string/);
      expect(() => parsePayload({ Mode: 'plan', GroupId: 'sg-0123456789abcdef0' })).to.throw(
        RemediationInputError,
        /AccountId must be a 12-digit account id, got undefined/,
      );
      expect(() =>
        parsePayload({ Mode: 'plan', AccountId: '1234', GroupId: 'sg-0123456789abcdef0' }),
      ).to.throw(RemediationInputError, /AccountId must be a 12-digit account id, got "1234"/);
    });

    it('rejects rule parameters the rule rejects, naming the rule parameter', async () => {
      const error = await plan({ AuthorizedTcpPorts: '22-10' }).catch((e) => e);
      expect(error).to.be.instanceOf(InvalidParametersError);
      expect(error.parameter).to.equal('authorizedTcpPorts');
    });
  });
});

describe('remediations/revoke-public-ingress tagValue', () => {
  const at = new Date('2026-11-01T00:00:00Z');
  const world = (port: number): IpPermission => ({
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    Ipv6Ranges: [{ CidrIpv6: '::/0' }],
  });

  it('lists every revoked source when they fit', () => {
    expect(tagValue([world(22), { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], at)).to.equal(
      'revoked 2026-11-01T00:00:00Z: tcp:22=0.0.0.0/0 tcp:22=::/0 all=0.0.0.0/0',
    );
  });

  it('names port ranges', () => {
    expect(tagValue([{ ...world(0), FromPort: 1000, ToPort: 2000, Ipv6Ranges: [] }], at)).to.equal(
      'revoked 2026-11-01T00:00:00Z: tcp:1000-2000=0.0.0.0/0',
    );
  });

  it('cuts to 256 characters and counts what did not fit', () => {
    const permissions = Array.from({ length: 40 }, (_, i) => world(10000 + i));
    const value = tagValue(permissions, at, '0123abcd-0123-4567-89ab-0123456789ab');
    expect(value.length).to.be.at.most(256);
    const shown = value.split(' ').filter((w) => w.startsWith('tcp:')).length;
    expect(value).to.match(new RegExp(` \\+${80 - shown} more$`));
  });
});
