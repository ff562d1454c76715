import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import { defineReads } from '../parts';
import type { TrailSelectors } from '../reader';
import { need } from '../snapshot-reader';

declare module '../reader' {
  interface ReadsByPart {
    cloudtrail: {
      describeTrails(): Promise<Trail[]>;
      trailStatus(trail: Trail): Promise<GetTrailStatusResponse>;
      eventSelectors(trail: Trail): Promise<TrailSelectors>;
    };
  }
  interface EvaluationSnapshot {
    trails?: Trail[];
    trailStatus?: Record<string, GetTrailStatusResponse>;
    eventSelectors?: Record<string, TrailSelectors>;
  }
}

/** A trail's entry in a snapshot map keyed by trail ARN or name. */
function byTrail<T>(map: Record<string, T> | undefined, trail: Trail, key: string): T {
  const found =
    (trail.TrailARN ? map?.[trail.TrailARN] : undefined) ?? (trail.Name ? map?.[trail.Name] : undefined);
  return need(found, `${key}["${trail.Name ?? trail.TrailARN}"]`, `trail ${trail.Name}`);
}

/**
 * The CloudTrail part of a reader: the trails seen from the region (shadow trails included), and each trail's
 * status and event selectors.
 * @example
 * const reader = new LiveReader(aws, accountId, { cloudtrail: cloudtrailReads });
 * await reader.trailStatus((await reader.describeTrails())[0]);
 */
export const cloudtrailReads = defineReads('cloudtrail', {
  live: () => import('./cloudtrail.live.js'),
  snapshot: {
    keys: {
      trails: 'DescribeTrails trailList',
      trailStatus: 'GetTrailStatus responses, keyed by trail name or ARN',
      eventSelectors: 'GetEventSelectors responses, keyed by trail name or ARN',
    },
    open: (snapshot) => ({
      async describeTrails() {
        return need(snapshot.trails, 'trails', 'CloudTrail');
      },
      async trailStatus(trail) {
        return byTrail(snapshot.trailStatus, trail, 'trailStatus');
      },
      async eventSelectors(trail) {
        return byTrail(snapshot.eventSelectors, trail, 'eventSelectors');
      },
    }),
  },
});
