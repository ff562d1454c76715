import {
  paginateDescribeSecurityGroups,
  paginateGetManagedPrefixListEntries,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { EC2 } from '../../aws/services/ec2';
import { awsErrorName } from '../../errors';
import { logger } from '../../logger';
import type { LiveReads } from '../parts';

/** EC2 errors that mean a prefix list is not visible to this role, as opposed to a failed read. */
const PREFIX_LIST_UNREADABLE = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidPrefixListID.NotFound',
  'InvalidPrefixListId.NotFound',
  'InvalidPrefixListID.Malformed',
  'InvalidPrefixListId.Malformed',
]);

/**
 * The EC2 part's reads through the SDK (the live half of `ec2Reads`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { ec2: ec2Reads }).describeSecurityGroups(); // loads this module
 */
export const live: LiveReads<'ec2'> = ({ aws }) => ({
  async describeSecurityGroups(groupIds) {
    const groups: SecurityGroup[] = [];
    for await (const page of paginateDescribeSecurityGroups(
      { client: aws.get(EC2) },
      groupIds ? { GroupIds: groupIds } : {},
    ))
      groups.push(...(page.SecurityGroups ?? []));
    return groups;
  },

  async prefixListCidrs(prefixListId) {
    try {
      const cidrs: string[] = [];
      for await (const page of paginateGetManagedPrefixListEntries(
        { client: aws.get(EC2) },
        { PrefixListId: prefixListId },
      ))
        for (const e of page.Entries ?? []) if (e.Cidr) cidrs.push(e.Cidr);
      return cidrs;
    } catch (error) {
      // Only a list this role may not see (not shared, denied, gone) is "cannot be read". Throttling or a network
      // failure must fail the evaluation: treating the list as not the world would report the group COMPLIANT.
      if (!PREFIX_LIST_UNREADABLE.has(awsErrorName(error) ?? '')) throw error;
      logger.warn(
        { prefixListId, error: awsErrorName(error) },
        'prefix list entries unreadable; not treated as the world',
      );
      return undefined;
    }
  },
});
