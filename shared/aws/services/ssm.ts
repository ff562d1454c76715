import { SSMClient } from '@aws-sdk/client-ssm';
import { type AwsService, defineService } from '../clients';

/** AWS Systems Manager for `AwsClients.get`: `aws.get(SSM).send(…)`. */
export const SSM: AwsService<SSMClient, 'ssm'> = defineService({ name: 'ssm', client: SSMClient });

/**
 * The statuses in which an Automation execution has ended (AutomationExecutionStatus): anything else is still
 * running, waiting or pending an approval. Only `Success` and `CompletedWithSuccess` mean it succeeded.
 */
export const AUTOMATION_ENDED: ReadonlySet<string> = new Set([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
  'CompletedWithSuccess',
  'CompletedWithFailure',
  'Rejected',
]);
