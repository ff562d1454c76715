import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { AwsClients } from '../../aws/clients';
import { CloudTrail } from '../../aws/services/cloudtrail';
import type { LiveReads } from '../parts';

/**
 * The CloudTrail part's reads through the SDK (the live half of `cloudtrailReads`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { cloudtrail: cloudtrailReads }).describeTrails(); // loads this module
 */
export const live: LiveReads<'cloudtrail'> = ({ aws }) => {
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
};
