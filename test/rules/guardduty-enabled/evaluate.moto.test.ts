import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateDetectorCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { expect } from 'chai';
import {
  collectDetectors,
  type DetectorFacts,
  evaluate,
  type GuardDutyAccountModel,
  type Parameters,
  rule,
} from '../../../rules/guardduty-enabled/evaluate';
import { GuardDuty } from '../../../rules/guardduty-enabled/reads.live';
import { AwsClients } from '../../../shared/aws/clients';
import { LiveReader } from '../../../shared/collectors/live-reader';
import type { EvaluationSnapshot } from '../../../shared/collectors/reader';
import { SnapshotReader } from '../../../shared/collectors/snapshot-reader';
import { evaluateModels } from '../../../shared/engine';
import { CollectionError, InvalidParametersError, UnreadableDependencyError } from '../../../shared/errors';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';
import { params, SCOPE } from '../../helpers/rules';

const HERE = join(__dirname, 'fixtures');
/** A placebo recording's body (`data`), without its ResponseMetadata. */
const recordedHere = <T>(name: string): T => {
  const { ResponseMetadata: _, ...body } = JSON.parse(readFileSync(join(HERE, name), 'utf8')).data;
  return body as T;
};
const DETECTOR_ID = '06b01209ca77b0865dd973df0355fc1e';
const RECORDED: EvaluationSnapshot = {
  detectorIds: recordedHere<{ DetectorIds: string[] }>('guardduty.ListDetectors_1.json').DetectorIds,
  detectors: { [DETECTOR_ID]: recordedHere('guardduty.GetDetector_1.json') },
  administrators: { [DETECTOR_ID]: null },
};

const p = (input: Record<string, string> = {}) => params<Parameters>(rule, input);
const detector = (facts: Partial<DetectorFacts> = {}): DetectorFacts => ({
  id: 'd1',
  status: 'ENABLED',
  frequency: 'FIFTEEN_MINUTES',
  administrator: null,
  unreadable: [],
  ...facts,
});
const account = (...detectors: DetectorFacts[]): GuardDutyAccountModel => ({
  resourceType: 'AWS::::Account',
  resourceId: SCOPE.accountId,
  accountId: SCOPE.accountId,
  region: SCOPE.region,
  detectors,
});
const MANAGED = { accountId: '111122223333', relationshipStatus: 'Enabled' };

async function verdictOfSnapshot(snapshot: EvaluationSnapshot, input: Record<string, string> = {}) {
  const reader = new SnapshotReader(snapshot, SCOPE.accountId, SCOPE.region, rule.reads);
  const items = (await rule.collect?.(reader, SCOPE, p(input))) ?? [];
  return evaluateModels(rule, items, p(input), reader, SCOPE, SCOPE.now);
}

describe('rule guardduty-enabled', () => {
  describe('semantics', () => {
    const cases: {
      name: string;
      model: GuardDutyAccountModel;
      input?: Record<string, string>;
      expected: string;
      annotation: string;
    }[] = [
      {
        name: 'no detector',
        model: account(),
        expected: 'NON_COMPLIANT',
        annotation: 'GuardDuty has no detector in us-east-1.',
      },
      {
        name: 'enabled, every 15 minutes',
        model: account(detector()),
        expected: 'COMPLIANT',
        annotation: 'GuardDuty detector d1 is ENABLED and publishes findings every FIFTEEN_MINUTES.',
      },
      {
        name: 'enabled, every 6 hours (GuardDuty’s default)',
        model: account(detector({ frequency: 'SIX_HOURS' })),
        expected: 'NON_COMPLIANT',
        annotation:
          'GuardDuty detector d1 publishes findings every SIX_HOURS; at most FIFTEEN_MINUTES is required.',
      },
      {
        name: 'every hour when ONE_HOUR is accepted',
        model: account(detector({ frequency: 'ONE_HOUR' })),
        input: { maximumFindingPublishingFrequency: 'ONE_HOUR' },
        expected: 'COMPLIANT',
        annotation: 'GuardDuty detector d1 is ENABLED and publishes findings every ONE_HOUR.',
      },
      {
        name: 'every 15 minutes when SIX_HOURS is accepted (faster is fine)',
        model: account(detector()),
        input: { maximumFindingPublishingFrequency: 'SIX_HOURS' },
        expected: 'COMPLIANT',
        annotation: 'GuardDuty detector d1 is ENABLED and publishes findings every FIFTEEN_MINUTES.',
      },
      {
        name: 'disabled (suspended)',
        model: account(detector({ status: 'DISABLED' })),
        expected: 'NON_COMPLIANT',
        annotation: 'GuardDuty detector d1 is DISABLED (suspended): nothing is monitored.',
      },
      {
        name: 'a member managed by the organisation administrator, slow frequency: covered',
        model: account(detector({ frequency: 'SIX_HOURS', administrator: MANAGED })),
        expected: 'COMPLIANT',
        annotation:
          "GuardDuty detector d1 is ENABLED and managed by the organisation's administrator account 111122223333, which sets its finding publishing frequency.",
      },
      {
        name: 'a managed member whose detector is suspended: not covered',
        model: account(detector({ status: 'DISABLED', administrator: MANAGED })),
        expected: 'NON_COMPLIANT',
        annotation: 'GuardDuty detector d1 is DISABLED (suspended): nothing is monitored.',
      },
      {
        name: 'an invitation not accepted is not management',
        model: account(
          detector({ frequency: 'SIX_HOURS', administrator: { ...MANAGED, relationshipStatus: 'Invited' } }),
        ),
        expected: 'NON_COMPLIANT',
        annotation:
          'GuardDuty detector d1 publishes findings every SIX_HOURS; at most FIFTEEN_MINUTES is required.',
      },
      {
        name: 'one good detector among others',
        model: account(detector({ id: 'd0', status: 'DISABLED' }), detector()),
        expected: 'COMPLIANT',
        annotation: 'GuardDuty detector d1 is ENABLED and publishes findings every FIFTEEN_MINUTES.',
      },
    ];
    for (const c of cases)
      it(`${c.name} → ${c.expected}`, () => {
        expect(evaluate(c.model, p(c.input))).to.deep.equal({
          complianceType: c.expected,
          annotation: c.annotation,
        });
      });

    it('fails closed: a status that cannot be read is never COMPLIANT', () => {
      expect(() =>
        evaluate(account(detector({ status: undefined, unreadable: ['Status is "PAUSED"'] })), p()),
      ).to.throw(UnreadableDependencyError, /the status of detector d1 \(Status is "PAUSED"\)/);
    });

    it('fails closed: a slow detector whose administrator cannot be read is not judged', () => {
      expect(() =>
        evaluate(
          account(
            detector({
              frequency: 'SIX_HOURS',
              administrator: undefined,
              unreadable: ['administrator: AccessDeniedException'],
            }),
          ),
          p(),
        ),
      ).to.throw(UnreadableDependencyError, /the administrator of detector d1/);
    });

    it('an unreadable administrator does not matter when the frequency already complies', () => {
      expect(evaluate(account(detector({ administrator: undefined })), p()).complianceType).to.equal(
        'COMPLIANT',
      );
    });

    it('refuses a frequency GuardDuty does not define, naming the choices', () => {
      expect(() => p({ maximumFindingPublishingFrequency: 'FIVE_MINUTES' })).to.throw(
        InvalidParametersError,
        /one of FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS/,
      );
    });
  });

  describe('recorded responses (SnapshotReader)', () => {
    it('the recorded detector: ENABLED, every SIX_HOURS → NON_COMPLIANT by default, COMPLIANT with SIX_HOURS', async () => {
      const strict = await verdictOfSnapshot(RECORDED);
      expect(strict.failures).to.deep.equal([]);
      expect(strict.evaluations[0]).to.deep.include({
        complianceResourceType: 'AWS::::Account',
        complianceResourceId: SCOPE.accountId,
        complianceType: 'NON_COMPLIANT',
      });
      const lenient = await verdictOfSnapshot(RECORDED, { maximumFindingPublishingFrequency: 'SIX_HOURS' });
      expect(lenient.evaluations[0]?.complianceType).to.equal('COMPLIANT');
    });

    it('the recorded detector managed by an administrator → COMPLIANT naming it', async () => {
      const outcome = await verdictOfSnapshot({
        ...RECORDED,
        administrators: { [DETECTOR_ID]: { AccountId: '111122223333', RelationshipStatus: 'Enabled' } },
      });
      expect(outcome.evaluations[0]?.annotation).to.include('administrator account 111122223333');
    });

    it('a Status GuardDuty does not define → a failure, no evaluation', async () => {
      const outcome = await verdictOfSnapshot({
        ...RECORDED,
        detectors: {
          [DETECTOR_ID]: {
            ...recordedHere<Record<string, unknown>>('guardduty.GetDetector_1.json'),
            Status: 'enabled',
          } as never,
        },
      });
      expect(outcome.evaluations).to.deep.equal([]);
      expect(outcome.failures[0]).to.be.instanceOf(UnreadableDependencyError);
    });

    it('detectors that cannot be listed → CollectionError, never COMPLIANT', async () => {
      const outcome = await verdictOfSnapshot({});
      expect(outcome.evaluations).to.deep.equal([]);
      expect(outcome.failures[0]).to.be.instanceOf(CollectionError);
    });

    it('an exempt account is COMPLIANT with the exemption, not evaluated', async () => {
      const outcome = await verdictOfSnapshot(RECORDED, { exemptResourceIds: SCOPE.accountId });
      expect(outcome.evaluations[0]?.annotation).to.match(/^Exempted: /);
    });
  });

  describe('the SDK against the documented GetAdministratorAccount answer (loopback responder)', () => {
    let server: Server;
    let endpoint: string;
    const answers: Record<string, unknown> = {
      [`/detector`]: { detectorIds: ['d-member'] },
      [`/detector/d-member`]: {
        status: 'ENABLED',
        findingPublishingFrequency: 'SIX_HOURS',
        serviceRole: 'x',
      },
      [`/detector/d-member/administrator`]: JSON.parse(
        readFileSync(join(HERE, 'get-administrator-account.response.json'), 'utf8'),
      ),
    };
    before(async () => {
      server = createServer((req, res) => {
        const body = answers[(req.url ?? '').split('?')[0] as string];
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? { message: 'not found' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reads a member managed by its administrator as covered', async () => {
      const aws = new AwsClients({
        region: 'us-east-1',
        endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      });
      const model = await collectDetectors(new LiveReader(aws, SCOPE.accountId, rule.reads), SCOPE);
      expect(model.detectors[0]?.administrator).to.deep.equal(MANAGED);
      expect(evaluate(model, p()).complianceType).to.equal('COMPLIANT');
    });
  });

  describe('against moto_server', () => {
    const moto = useMoto();
    let aws: AwsClients;
    beforeEach(() => {
      aws = new AwsClients({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      });
    });
    const verdict = async (input: Record<string, string> = {}) => {
      const reader = new LiveReader(aws, SCOPE.accountId, rule.reads);
      const outcome = await evaluateModels(
        rule,
        (await rule.collect?.(reader, SCOPE, p(input))) ?? [],
        p(input),
        reader,
        SCOPE,
        SCOPE.now,
      );
      expect(outcome.failures).to.deep.equal([]);
      return outcome.evaluations[0];
    };

    it('no detector → NON_COMPLIANT; created every 15 minutes → COMPLIANT; suspended → NON_COMPLIANT', async () => {
      expect((await verdict())?.complianceType).to.equal('NON_COMPLIANT');
      const { DetectorId } = await aws
        .get(GuardDuty)
        .send(new CreateDetectorCommand({ Enable: true, FindingPublishingFrequency: 'FIFTEEN_MINUTES' }));
      expect((await verdict())?.complianceType).to.equal('COMPLIANT');
      await aws.get(GuardDuty).send(new UpdateDetectorCommand({ DetectorId, Enable: false }));
      expect((await verdict())?.annotation).to.equal(
        `GuardDuty detector ${DetectorId} is DISABLED (suspended): nothing is monitored.`,
      );
    });

    it('a detector created without a frequency publishes every SIX_HOURS (GuardDuty’s default) → NON_COMPLIANT', async () => {
      await aws.get(GuardDuty).send(new CreateDetectorCommand({ Enable: true }));
      expect((await verdict())?.annotation).to.match(
        /publishes findings every SIX_HOURS; at most FIFTEEN_MINUTES/,
      );
    });
  });
});
