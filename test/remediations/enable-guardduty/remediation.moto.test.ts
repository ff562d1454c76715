import {
  CreateDetectorCommand,
  type FindingPublishingFrequency,
  GetDetectorCommand,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { expect } from 'chai';
import { GuardDuty } from '../../../rules/guardduty-enabled/reads.live';
import type { AwsClients } from '../../../shared/aws/clients';
import { useMoto } from '../../helpers/moto';
import { ACCOUNT, motoClients, mutations, runRemediation } from '../helpers';

const ID = 'enable-guardduty';
const STEPS_CREATE = ['PlanDetector', 'ChooseChange', 'CreateDetector', 'VerifyDetector'];
const STEPS_UPDATE = ['PlanDetector', 'ChooseChange', 'UpdateDetector', 'VerifyDetector'];
const STEPS_WITHOUT_CHANGE = ['PlanDetector', 'ChooseChange', 'VerifyDetector'];

describe('remediation enable-guardduty (runner + moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  const run = (parameters: Record<string, unknown> = {}, dryRun = false) =>
    runRemediation(ID, aws, { AccountId: ACCOUNT, ...parameters }, { dryRun });

  const detectorIds = async () =>
    (await aws.get(GuardDuty).send(new ListDetectorsCommand({}))).DetectorIds ?? [];
  /** The detector as GuardDuty answers it now (the end state), without its timestamps. */
  const detectorState = async (id: string) => {
    const out = await aws.get(GuardDuty).send(new GetDetectorCommand({ DetectorId: id }));
    const { CreatedAt: _c, UpdatedAt: _u, $metadata: _m, ...rest } = out;
    return rest;
  };
  const createDetector = async (enable: boolean, frequency: FindingPublishingFrequency) => {
    const out = await aws.get(GuardDuty).send(
      new CreateDetectorCommand({
        Enable: enable,
        FindingPublishingFrequency: frequency,
        Tags: { team: 'security' },
        DataSources: { S3Logs: { Enable: true } },
      }),
    );
    calls.length = 0;
    return out.DetectorId as string;
  };

  beforeEach(() => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
  });

  it('no detector → creates one, enabled, publishing every FIFTEEN_MINUTES; verified by reading it back', async () => {
    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(
      STEPS_CREATE.map((s) => `${s}:Success`),
    );
    expect(mutations(calls)).to.deep.equal(['guardduty:CreateDetector']);
    const ids = await detectorIds();
    expect(ids).to.have.length(1);
    expect(await detectorState(ids[0]!)).to.deep.include({
      Status: 'ENABLED',
      FindingPublishingFrequency: 'FIFTEEN_MINUTES',
    });
    expect(execution.outputs['CreateDetector.DetectorId']).to.equal(ids[0]);
    expect(execution.outputs['PlanDetector.PreviousDetector']).to.equal('null');
    expect(execution.outputs['PlanDetector.Message']).to.equal(
      'Will create a GuardDuty detector in us-east-1, enabled, publishing findings every FIFTEEN_MINUTES for account 123456789012. Now: GuardDuty has no detector in us-east-1.',
    );
    expect(execution.outputs['VerifyDetector.Compliant']).to.equal(true);
  });

  it('an enabled detector publishing every SIX_HOURS → only its frequency changes; tags and data sources kept', async () => {
    // Prepare
    const id = await createDetector(true, 'SIX_HOURS');
    const before = await detectorState(id);
    calls.length = 0;

    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => s.name)).to.deep.equal(STEPS_UPDATE);
    expect(execution.outputs['PlanDetector.Action']).to.equal('UPDATE');
    expect(mutations(calls)).to.deep.equal(['guardduty:UpdateDetector']);
    expect(await detectorIds()).to.deep.equal([id]);
    expect(await detectorState(id)).to.deep.equal({
      ...before,
      FindingPublishingFrequency: 'FIFTEEN_MINUTES',
    });
    expect(JSON.parse(String(execution.outputs['PlanDetector.PreviousDetector']))).to.deep.equal({
      DetectorId: id,
      Status: 'ENABLED',
      FindingPublishingFrequency: 'SIX_HOURS',
    });
  });

  it("sets the rule's maximum, not the fastest: ONE_HOUR accepted → SIX_HOURS becomes ONE_HOUR", async () => {
    // Prepare
    const id = await createDetector(true, 'SIX_HOURS');

    // Act
    const execution = await run({ MaximumFindingPublishingFrequency: 'ONE_HOUR' });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(await detectorState(id)).to.deep.include({
      Status: 'ENABLED',
      FindingPublishingFrequency: 'ONE_HOUR',
    });
  });

  it('a suspended detector → resumed, its fast-enough frequency kept', async () => {
    // Prepare
    const id = await createDetector(false, 'FIFTEEN_MINUTES');

    // Act
    const execution = await run({ MaximumFindingPublishingFrequency: 'ONE_HOUR' });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.outputs['PlanDetector.Action']).to.equal('ENABLE');
    expect(mutations(calls)).to.deep.equal(['guardduty:UpdateDetector']);
    expect(await detectorState(id)).to.deep.include({
      Status: 'ENABLED',
      FindingPublishingFrequency: 'FIFTEEN_MINUTES',
    });
  });

  it('a second run is a no-op: no API mutation, only verification', async () => {
    // Prepare
    await run();
    const [id] = await detectorIds();
    const before = await detectorState(id!);
    calls.length = 0;

    // Act
    const second = await run();

    // Assess
    expect(second.status, second.failureMessage).to.equal('Success');
    expect(second.steps.map((s) => s.name)).to.deep.equal(STEPS_WITHOUT_CHANGE);
    expect(second.outputs['PlanDetector.Action']).to.equal('ALREADY_COMPLIANT');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await detectorIds()).to.deep.equal([id]);
    expect(await detectorState(id!)).to.deep.equal(before);
  });

  it('dry-run changes nothing and plans the exact call', async () => {
    // Prepare
    const id = await createDetector(false, 'SIX_HOURS');

    // Act
    const execution = await run({}, true);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await detectorState(id)).to.deep.include({
      Status: 'DISABLED',
      FindingPublishingFrequency: 'SIX_HOURS',
    });
    expect(
      execution.plan.map(({ step, service, api, inputs }) => ({ step, service, api, inputs })),
    ).to.deep.equal([
      {
        step: 'UpdateDetector',
        service: 'guardduty',
        api: 'UpdateDetector',
        inputs: { DetectorId: id, Enable: true, FindingPublishingFrequency: 'FIFTEEN_MINUTES' },
      },
    ]);
    expect(execution.outputs['PlanDetector.Message']).to.match(
      new RegExp(
        `^Would enable \\(resume\\) GuardDuty detector ${id}, publishing findings every FIFTEEN_MINUTES`,
      ),
    );
    expect(execution.outputs['VerifyDetector.Message']).to.match(/^Would verify GuardDuty /);
  });

  it('a detector suspended again right after the change fails the verification', async () => {
    // Prepare
    const id = await createDetector(true, 'SIX_HOURS');

    // Act
    const execution = await runRemediation(
      ID,
      aws,
      { AccountId: ACCOUNT },
      {
        onStep: async (step) => {
          if (step.name === 'UpdateDetector')
            await aws.get(GuardDuty).send(new UpdateDetectorCommand({ DetectorId: id, Enable: false }));
        },
      },
    );

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      new RegExp(
        `VerifyDetector failed: .*RemediationVerificationError: GuardDuty in account 123456789012, us-east-1 is not compliant: GuardDuty detector ${id} is DISABLED`,
      ),
    );
  });
});
