import { expect } from 'chai';
import type { BucketReadout, EvaluationSnapshot } from '../../../shared/collectors/reader';
import { cloudtrailReads } from '../../../shared/collectors/reads/cloudtrail';
import { ec2Reads } from '../../../shared/collectors/reads/ec2';
import { s3Reads } from '../../../shared/collectors/reads/s3';
import { publicAccessBlockFromAnyCase, s3controlReads } from '../../../shared/collectors/reads/s3control';
import { SnapshotReader as Reader } from '../../../shared/collectors/snapshot-reader';
import { InsufficientDataError, UsageError } from '../../../shared/errors';
import { recorded } from '../../helpers/fixtures';

const ACCOUNT = '123456789012';

// The parts these tests read, passed explicitly: what else is registered depends on which modules the run loaded.
const PARTS = { ec2: ec2Reads, s3: s3Reads, s3control: s3controlReads, cloudtrail: cloudtrailReads };

class SnapshotReader extends Reader {
  constructor(snapshot: EvaluationSnapshot, accountId: string, region: string) {
    super(snapshot, accountId, region, PARTS);
  }
}

function bucket(name: string, region: string): BucketReadout {
  return {
    name,
    region,
    grants: [],
    policy: null,
    publicAccessBlock: null,
    objectOwnership: undefined,
    tags: {},
  };
}

describe('shared/collectors/snapshot-reader', () => {
  it('rejects an unknown context key, naming the known ones', () => {
    expect(() => new SnapshotReader({ trail: [] } as never, ACCOUNT, 'us-east-1')).to.throw(
      UsageError,
      /^Unknown evaluation context key "trail"; known keys: (?=.*\btrails\b)(?=.*\bnow\b)/,
    );
  });

  it('answers security groups from the snapshot, filtered by id', async () => {
    const groups = recorded<{ SecurityGroups: { GroupId: string }[] }>(
      'custodian_placebo/sg/test_asg_invalid_third_ami__ec2.DescribeSecurityGroups_1.json',
    ).SecurityGroups;
    const reader = new SnapshotReader({ securityGroups: groups }, ACCOUNT, 'us-east-1');
    expect(await reader.describeSecurityGroups()).to.have.length(10);
    expect((await reader.describeSecurityGroups(['sg-30f4b842'])).map((g) => g.GroupId)).to.deep.equal([
      'sg-30f4b842',
    ]);
  });

  it('names the missing context key when a collector needs it', async () => {
    try {
      await new SnapshotReader({}, ACCOUNT, 'us-east-1').describeSecurityGroups();
      expect.fail('answered without securityGroups');
    } catch (error) {
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect((error as Error).message).to.include('"securityGroups"');
    }
  });

  it('a prefix list not in the snapshot cannot be read: an error naming the key, not "no entries"', async () => {
    const reader = new SnapshotReader({ prefixLists: { 'pl-1': ['0.0.0.0/0'] } }, ACCOUNT, 'us-east-1');
    expect(await reader.prefixListCidrs('pl-1')).to.deep.equal(['0.0.0.0/0']);
    const error = await reader.prefixListCidrs('pl-2').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(InsufficientDataError);
    expect((error as Error).message).to.include('"prefixLists["pl-2"]"');
  });

  it("lists only the buckets of the reader's region, like the live reader", async () => {
    const reader = new SnapshotReader(
      { buckets: [bucket('east', 'us-east-1'), bucket('ireland', 'eu-west-1')] },
      ACCOUNT,
      'us-east-1',
    );
    expect(await reader.listBucketNames()).to.deep.equal(['east']);
    expect((await reader.readBucket('ireland')).region).to.equal('eu-west-1');
  });

  it('account BPA: camelCase (configuration item) and PascalCase (API) flags, null when absent', async () => {
    const camel = {
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: true,
    };
    const expected = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    };
    expect(
      await new SnapshotReader(
        { accountPublicAccessBlock: camel },
        ACCOUNT,
        'us-east-1',
      ).accountPublicAccessBlock(),
    ).to.deep.equal(expected);
    expect(publicAccessBlockFromAnyCase(expected)).to.deep.equal(expected);
    expect(publicAccessBlockFromAnyCase({ BlockPublicAcls: 'TRUE' } as never)?.BlockPublicAcls).to.equal(
      true,
    );
    expect(
      await new SnapshotReader(
        { accountPublicAccessBlock: null },
        ACCOUNT,
        'us-east-1',
      ).accountPublicAccessBlock(),
    ).to.equal(null);
    // Absent is unknown, not "none".
    const absent = await new SnapshotReader({}, ACCOUNT, 'us-east-1').accountPublicAccessBlock().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(absent).to.be.instanceOf(InsufficientDataError);
    expect(() => publicAccessBlockFromAnyCase({ BlockPublicAcls: 'yes' } as never)).to.throw(
      UsageError,
      /accountPublicAccessBlock.BlockPublicAcls is "yes"/,
    );
  });

  it('finds trail status and selectors by trail ARN or name', async () => {
    const trail = {
      Name: 'org-trail',
      TrailARN: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail',
    };
    const reader = new SnapshotReader(
      {
        trails: [trail],
        trailStatus: { [trail.TrailARN]: { IsLogging: true } },
        eventSelectors: { 'org-trail': { EventSelectors: [{ ReadWriteType: 'All' }] } },
      },
      ACCOUNT,
      'us-east-1',
    );
    expect((await reader.trailStatus(trail)).IsLogging).to.equal(true);
    expect((await reader.eventSelectors(trail)).EventSelectors).to.have.length(1);
  });
});
