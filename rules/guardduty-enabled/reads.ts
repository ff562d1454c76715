import type { GetDetectorResponse } from '@aws-sdk/client-guardduty';
import { defineReads } from '../../shared/collectors/parts';
import { need } from '../../shared/collectors/snapshot-reader';

/** The administrator account that manages a member's detector, as GetAdministratorAccount names it. */
export interface GuardDutyAdministrator {
  AccountId?: string;
  RelationshipStatus?: string;
}

declare module '../../shared/collectors/reader' {
  interface ReadsByPart {
    guardduty: {
      /** The detectors of the region (GuardDuty has at most one per account and region). */
      listDetectorIds(): Promise<string[]>;
      /** `GetDetector`'s answer. */
      detector(detectorId: string): Promise<GetDetectorResponse>;
      /** The organisation administrator managing this member's detector; `null` for a standalone or admin account. */
      administrator(detectorId: string): Promise<GuardDutyAdministrator | null>;
    };
  }
  interface EvaluationSnapshot {
    detectorIds?: string[];
    detectors?: Record<string, GetDetectorResponse>;
    administrators?: Record<string, GuardDutyAdministrator | null>;
  }
}

/**
 * The GuardDuty part of a reader: the region's detectors, each detector's status and finding publishing frequency,
 * and the administrator that manages it.
 * @example
 * const reader = new LiveReader(aws, accountId, { guardduty: guarddutyReads });
 * await reader.detector((await reader.listDetectorIds())[0]);
 */
export const guarddutyReads = defineReads('guardduty', {
  live: () => import('./reads.live.js'),
  snapshot: {
    keys: {
      detectorIds: 'ListDetectors DetectorIds',
      detectors: 'GetDetector responses, keyed by detector id',
      administrators:
        'GetAdministratorAccount Administrator ({"AccountId","RelationshipStatus"}) keyed by detector id, null for none',
    },
    open: (snapshot) => ({
      async listDetectorIds() {
        return need(snapshot.detectorIds, 'detectorIds', 'GuardDuty');
      },
      async detector(detectorId) {
        return need(snapshot.detectors?.[detectorId], `detectors["${detectorId}"]`, `detector ${detectorId}`);
      },
      async administrator(detectorId) {
        return need(
          snapshot.administrators?.[detectorId],
          `administrators["${detectorId}"]`,
          `the administrator of detector ${detectorId} (null when none)`,
        );
      },
    }),
  },
});
