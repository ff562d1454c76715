import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import sinon from 'sinon';
import { createHandler, parsePayload } from '../../../remediations/enable-guardduty/handler';
import { AwsClients } from '../../../shared/aws/clients';
import { EXECUTION_ROLE_NAME_ENV } from '../../../shared/aws/target-account';
import {
  InvalidParametersError,
  ManualActionRequiredError,
  RemediationInputError,
  UnreadableDependencyError,
} from '../../../shared/errors';
import { logger } from '../../../shared/logger';
import { TEST_CREDENTIALS } from '../../helpers/moto';

const ACCOUNT = '123456789012';
const DETECTOR = '06b01209ca77b0865dd973df0355fc1e';
/** GetAdministratorAccount's documented body for a managed member (see the rule's fixtures/PROVENANCE.md). */
const MANAGED = JSON.parse(
  readFileSync(
    join(
      __dirname,
      '..',
      '..',
      'rules',
      'guardduty-enabled',
      'fixtures',
      'get-administrator-account.response.json',
    ),
    'utf8',
  ),
);

/**
 * The plan through the real GuardDuty client against a loopback responder answering GuardDuty's REST paths with
 * the documented bodies (moto 5.2.1 cannot show a managed member: its GetAdministratorAccount keys are not the API's).
 */
describe('remediations/enable-guardduty/handler (documented responses)', () => {
  let server: Server;
  let endpoint: string;
  let answers: Record<string, { status: number; body: unknown }>;
  let sent: string[];
  let sts: AwsClientStub<STSClient>;
  let info: sinon.SinonStub;
  const savedRole = process.env[EXECUTION_ROLE_NAME_ENV];
  const handler = () =>
    createHandler(
      (region) => new AwsClients({ region, endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 }),
    );
  const detector = (status: string, frequency: string) => ({
    status: 200,
    body: {
      createdAt: '2024-01-15T10:23:45.000Z',
      findingPublishingFrequency: frequency,
      serviceRole: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
      status,
    },
  });

  before(async () => {
    sts = mockClient(STSClient);
    delete process.env[EXECUTION_ROLE_NAME_ENV];
    server = createServer((req, res) => {
      sent.push(`${req.method} ${req.url}`);
      const answer = answers[`${req.method} ${(req.url ?? '').split('?')[0]}`] ?? {
        status: 404,
        body: { message: 'not found' },
      };
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.status >= 400 ? { 'x-amzn-errortype': (answer.body as { __type: string }).__type } : {}),
      });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    sent = [];
    sts.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/r/fn` });
    answers = {
      'GET /detector': { status: 200, body: { detectorIds: [DETECTOR] } },
      [`GET /detector/${DETECTOR}/administrator`]: { status: 200, body: {} },
    };
    info = sinon.stub(logger, 'info');
  });
  afterEach(() => info.restore());
  after(async () => {
    sts.restore();
    if (savedRole !== undefined) process.env[EXECUTION_ROLE_NAME_ENV] = savedRole;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a suspended detector its administrator manages → ManualActionRequiredError naming the administrator; only reads', async () => {
    answers[`GET /detector/${DETECTOR}`] = detector('DISABLED', 'SIX_HOURS');
    answers[`GET /detector/${DETECTOR}/administrator`] = { status: 200, body: MANAGED };

    const error = await handler()({ Mode: 'plan', AccountId: ACCOUNT }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).to.be.instanceOf(ManualActionRequiredError);
    expect((error as Error).message).to.include(
      'administrator account 111122223333: a member cannot resume it',
    );
    expect(sent.every((s) => s.startsWith('GET '))).to.equal(true);
  });

  it('a managed member publishing every SIX_HOURS is covered → ALREADY_COMPLIANT, nothing to change', async () => {
    answers[`GET /detector/${DETECTOR}`] = detector('ENABLED', 'SIX_HOURS');
    answers[`GET /detector/${DETECTOR}/administrator`] = { status: 200, body: MANAGED };

    const plan = await handler()({ Mode: 'plan', AccountId: ACCOUNT });

    expect(plan).to.deep.include({ Mode: 'plan', Action: 'ALREADY_COMPLIANT', DetectorId: DETECTOR });
    expect(plan.Message).to.match(
      /^Already compliant: .*managed by the organisation's administrator account 111122223333/,
    );
  });

  it('a standalone detector (no administrator) publishing every SIX_HOURS → UPDATE to the rule’s frequency', async () => {
    answers[`GET /detector/${DETECTOR}`] = detector('ENABLED', 'SIX_HOURS');

    const plan = await handler()({
      Mode: 'plan',
      AccountId: ACCOUNT,
      MaximumFindingPublishingFrequency: 'ONE_HOUR',
    });

    expect(plan).to.deep.include({
      Action: 'UPDATE',
      DetectorId: DETECTOR,
      Enable: true,
      FindingPublishingFrequency: 'ONE_HOUR',
      PreviousDetector: JSON.stringify({
        DetectorId: DETECTOR,
        Status: 'ENABLED',
        FindingPublishingFrequency: 'SIX_HOURS',
      }),
    });
  });

  it('a detector GuardDuty cannot describe fails the plan (never planned from unknown facts)', async () => {
    answers[`GET /detector/${DETECTOR}`] = {
      status: 500,
      body: { __type: 'InternalServerErrorException', message: 'try again' },
    };

    const error = await handler()({ Mode: 'plan', AccountId: ACCOUNT }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).to.be.instanceOf(UnreadableDependencyError);
  });

  it('verify fails while the rule says NON_COMPLIANT, and reports it in a dry run', async () => {
    answers[`GET /detector/${DETECTOR}`] = detector('DISABLED', 'FIFTEEN_MINUTES');

    const error = await handler()({ Mode: 'verify', AccountId: ACCOUNT }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const dry = await handler()({ Mode: 'verify', AccountId: ACCOUNT, DryRun: true });

    expect((error as Error).name).to.equal('RemediationVerificationError');
    expect(dry).to.deep.include({ Mode: 'verify', Compliant: false });
  });

  it('rejects a payload the document never sends, and a frequency the rule does not define', async () => {
    expect(() => parsePayload({ Mode: 'apply', AccountId: ACCOUNT })).to.throw(RemediationInputError, /Mode/);
    const error = await handler()({
      Mode: 'plan',
      AccountId: ACCOUNT,
      MaximumFindingPublishingFrequency: 'TWO_DAYS',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(InvalidParametersError);
    expect((error as Error).message).to.include('FIFTEEN_MINUTES');
    expect(sent).to.deep.equal([]);
  });
});
