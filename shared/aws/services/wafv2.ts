import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { type AwsService, defineService } from '../clients';

/** AWS WAF (v2) for `AwsClients.get`: `aws.get(WAFv2).send(…)`. */
export const WAFv2: AwsService<WAFV2Client, 'wafv2'> = defineService({ name: 'wafv2', client: WAFV2Client });
