import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateActionTargetCommand,
  DeleteActionTargetCommand,
  SecurityHubClient,
  UpdateActionTargetCommand,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { type CustomResourceEvent, createActionTargetHandler } from '../../playbooks/action-targets/handler';
import { AwsClients } from '../../shared/aws/clients';
import { TEST_CREDENTIALS } from '../helpers/moto';

const mockSecurityHub = () => mockClient(SecurityHubClient);

/** The custom resource against Security Hub's response shapes, reporting to a real CloudFormation-like URL on loopback. */
describe('playbooks/action-targets (the Security Hub custom actions custom resource)', () => {
  // Created in before(), not while mocha loads the files (another file's mock + restore would undo it).
  let hub: ReturnType<typeof mockSecurityHub>;
  before(() => {
    hub = mockSecurityHub();
  });
  afterEach(() => hub.reset());
  after(() => hub.restore());

  async function run(
    event: Omit<CustomResourceEvent, 'ResponseURL' | 'StackId' | 'RequestId' | 'LogicalResourceId'>,
  ) {
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const handler = createActionTargetHandler(
        () => new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS }),
      );
      await handler({
        ...event,
        ResponseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`,
        StackId: 'stack',
        RequestId: 'request',
        LogicalResourceId: 'IncidentActionIso',
      });
      return bodies;
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  const ARN = 'arn:aws:securityhub:us-east-1:123456789012:action/custom/RblProdIso';
  const props = { Id: 'RblProdIso', Name: 'Isolate instance', Description: 'Isolate the instance.' };

  it('Create: creates the action target and reports its ARN', async () => {
    hub.on(CreateActionTargetCommand).resolves({ ActionTargetArn: ARN });
    const [body] = await run({ RequestType: 'Create', ResourceProperties: props });
    expect(hub.commandCalls(CreateActionTargetCommand)[0]!.args[0].input).to.deep.equal(props);
    expect(body).to.deep.include({ Status: 'SUCCESS', PhysicalResourceId: ARN, Data: { Arn: ARN } });
  });

  it('Update with the same id renames in place; Delete removes it (already gone counts as done)', async () => {
    hub.on(UpdateActionTargetCommand).resolves({});
    const [updated] = await run({
      RequestType: 'Update',
      PhysicalResourceId: ARN,
      OldResourceProperties: { Id: 'RblProdIso' },
      ResourceProperties: { ...props, Name: 'Isolate now' },
    });
    expect(updated).to.deep.include({ Status: 'SUCCESS', PhysicalResourceId: ARN });
    const gone = Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    hub.on(DeleteActionTargetCommand).rejects(gone);
    const [deleted] = await run({
      RequestType: 'Delete',
      PhysicalResourceId: ARN,
      ResourceProperties: props,
    });
    expect(deleted).to.deep.include({ Status: 'SUCCESS' });
  });

  it('a name over 20 characters fails the resource, reported to CloudFormation (not a silent hang)', async () => {
    const [body] = await run({
      RequestType: 'Create',
      ResourceProperties: { ...props, Name: 'Isolate this instance now' },
    });
    expect(body).to.deep.include({ Status: 'FAILED' });
    expect(String(body!.Reason)).to.contain('Name 1-20 characters');
    expect(hub.commandCalls(CreateActionTargetCommand)).to.have.length(0);
  });
});
