import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { type AwsService, defineService } from '../clients';

/**
 * S3 Control (account-level Block Public Access) for `AwsClients.get`: `aws.get(S3Control).send(…)`. S3 Control
 * prefixes the host with the account id ({AccountId}.s3-control…); against a custom endpoint that host does not
 * exist, so the endpoint is fixed and the prefix is never applied (the account travels in its header).
 */
export const S3Control: AwsService<S3ControlClient, 's3control'> = defineService({
  name: 's3control',
  client: S3ControlClient,
  withEndpoint: (endpoint) => {
    const url = new URL(endpoint);
    return { endpointProvider: () => ({ url }), disableHostPrefix: true };
  },
});
