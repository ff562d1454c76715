import {
  CreateActionTargetCommand,
  DeleteActionTargetCommand,
  UpdateActionTargetCommand,
} from '@aws-sdk/client-securityhub';
import { AwsClients } from '../../shared/aws/clients';
import { SecurityHub } from '../../shared/aws/services/securityhub';
import { awsErrorName } from '../../shared/errors';
import { logger } from '../../shared/logger';

/**
 * The custom resource that creates rebaseline's Security Hub custom actions (CloudFormation has no resource type for
 * them): `Custom::SecurityHubActionTarget` with `Id`, `Name` (at most 20 characters) and `Description`; its physical
 * id and its `Arn` attribute are the action target's ARN, which the Security Hub rule's event pattern names.
 */

/** The CloudFormation custom resource request (the fields used). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: { Id?: string; Name?: string; Description?: string };
  OldResourceProperties?: { Id?: string };
}

async function respond(
  event: CustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  physicalId: string,
  reason?: string,
  data?: Record<string, string>,
) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason ?? 'See the function log.',
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(data ? { Data: data } : {}),
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`CloudFormation refused the response (HTTP ${res.status}).`);
}

/**
 * The handler, built for given clients. Every outcome, failures included, is reported to CloudFormation, which
 * would otherwise wait an hour for the stack.
 * @example
 * await createActionTargetHandler(() => aws)({ RequestType: 'Create', ResponseURL, …, ResourceProperties: { Id: 'RblProdIso', Name: 'Isolate instance', Description: '…' } });
 */
export function createActionTargetHandler(
  clients: (region: string) => AwsClients = (region) => new AwsClients({ region }),
): (event: CustomResourceEvent) => Promise<void> {
  return async (event) => {
    const hub = clients(process.env.AWS_REGION || 'us-east-1').get(SecurityHub);
    const { Id = '', Name = '', Description = '' } = event.ResourceProperties;
    const current = event.PhysicalResourceId ?? 'none';
    try {
      if (event.RequestType === 'Delete') {
        if (current.startsWith('arn:'))
          await hub
            .send(new DeleteActionTargetCommand({ ActionTargetArn: current }))
            .catch((error: unknown) => {
              if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
            });
        return respond(event, 'SUCCESS', current);
      }
      if (!/^[A-Za-z0-9]{1,20}$/.test(Id) || Name.length < 1 || Name.length > 20 || Description.length < 1)
        throw new Error(
          `Id must be 1-20 letters and digits, Name 1-20 characters, Description not empty (got Id ${JSON.stringify(Id)}, Name ${JSON.stringify(Name)}).`,
        );
      if (
        event.RequestType === 'Update' &&
        event.OldResourceProperties?.Id === Id &&
        current.startsWith('arn:')
      ) {
        await hub.send(new UpdateActionTargetCommand({ ActionTargetArn: current, Name, Description }));
        return respond(event, 'SUCCESS', current, 'Updated.', { Arn: current });
      }
      // A new Id is a new action target: CloudFormation deletes the old one after this one is reported.
      const created = await hub.send(new CreateActionTargetCommand({ Id, Name, Description }));
      const arn = created.ActionTargetArn as string;
      return respond(event, 'SUCCESS', arn, 'Created.', { Arn: arn });
    } catch (error) {
      const reason = `${awsErrorName(error) ?? 'Error'}: ${(error as Error).message}`;
      logger.error({ action: Id, requestType: event.RequestType }, reason);
      return respond(event, 'FAILED', current, reason);
    }
  };
}

export const handler = createActionTargetHandler();
