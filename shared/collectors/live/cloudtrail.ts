import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { AwsClients } from '../../aws/clients';
import { CloudTrail } from '../../aws/services/cloudtrail';
import { liveReads } from '../live-reader';

/**
 * The CloudTrail part of the live reader: the trails seen from the region (shadow trails included), and each
 * trail's status and event selectors.
 * @example
 * const reader = new LiveReader(aws, accountId, { cloudtrail: cloudtrailReads });
 * await reader.trailStatus((await reader.describeTrails())[0]);
 */
export const cloudtrailReads = liveReads('cloudtrail', ({ aws }) => {
  const homeRegions = new Map<string, AwsClients>();
  /**
   * CloudTrail in the trail's home region. A multi-region trail seen from another region is a shadow trail, and
   * not every API answers for a shadow trail (GetEventSelectors: TrailNotFoundException); the home region always does.
   */
  const cloudtrailFor = (trail: Trail) => {
    const home = trail.HomeRegion;
    if (!home || home === aws.region) return aws.get(CloudTrail);
    let clients = homeRegions.get(home);
    if (!clients) {
      clients = aws.inRegion(home);
      homeRegions.set(home, clients);
    }
    return clients.get(CloudTrail);
  };
  const nameOf = (trail: Trail) => trail.TrailARN ?? trail.Name ?? '';
  return {
    async describeTrails() {
      const out = await aws.get(CloudTrail).send(new DescribeTrailsCommand({ includeShadowTrails: true }));
      return out.trailList ?? [];
    },
    trailStatus: (trail) => cloudtrailFor(trail).send(new GetTrailStatusCommand({ Name: nameOf(trail) })),
    eventSelectors: (trail) =>
      cloudtrailFor(trail).send(new GetEventSelectorsCommand({ TrailName: nameOf(trail) })),
  };
});
