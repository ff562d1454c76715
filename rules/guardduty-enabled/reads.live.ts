import {
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GetMasterAccountCommand,
  GuardDutyClient,
  paginateListDetectors,
} from '@aws-sdk/client-guardduty';
import { defineService } from '../../shared/aws/clients';
import type { LiveReads } from '../../shared/collectors/parts';
import { awsErrorName } from '../../shared/errors';

/** Amazon GuardDuty for `AwsClients.get`: `aws.get(GuardDuty).send(…)`. */
export const GuardDuty = defineService({ name: 'guardduty', client: GuardDutyClient });

/** Errors of GetAdministratorAccount that mean "ask GetMasterAccount": a role granted only the older action. */
const ASK_THE_OLDER_API = new Set(['AccessDeniedException', 'AccessDenied', 'UnknownOperationException']);

/**
 * The GuardDuty part's reads through the SDK (the live half of `guarddutyReads`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { guardduty: guarddutyReads }).listDetectorIds(); // loads this module
 */
export const live: LiveReads<'guardduty'> = ({ aws }) => ({
  async listDetectorIds() {
    const ids: string[] = [];
    for await (const page of paginateListDetectors({ client: aws.get(GuardDuty) }, {}))
      ids.push(...(page.DetectorIds ?? []));
    return ids;
  },
  detector: (detectorId) => aws.get(GuardDuty).send(new GetDetectorCommand({ DetectorId: detectorId })),
  async administrator(detectorId) {
    const guardduty = aws.get(GuardDuty);
    try {
      const out = await guardduty.send(new GetAdministratorAccountCommand({ DetectorId: detectorId }));
      return out.Administrator ?? null;
    } catch (error) {
      if (!ASK_THE_OLDER_API.has(awsErrorName(error) ?? '')) throw error;
      const out = await guardduty.send(new GetMasterAccountCommand({ DetectorId: detectorId }));
      return out.Master ?? null;
    }
  },
});
