import { type FlowLog, paginateDescribeFlowLogs, paginateDescribeVpcs, type Vpc } from '@aws-sdk/client-ec2';
import { EC2 } from '../../shared/aws/services/ec2';
import type { LiveReads } from '../../shared/collectors/parts';

/**
 * The reads of vpc-flow-logs-enabled through the SDK (the live half of `vpcFlowLogsEnabledReads`, loaded on its
 * first read).
 * @example
 * await new LiveReader(aws, accountId, { vpcFlowLogsEnabled: vpcFlowLogsEnabledReads }).describeVpcs(); // loads it
 */
export const live: LiveReads<'vpcFlowLogsEnabled'> = ({ aws }) => ({
  async describeVpcs() {
    const vpcs: Vpc[] = [];
    for await (const page of paginateDescribeVpcs({ client: aws.get(EC2) }, {}))
      vpcs.push(...(page.Vpcs ?? []));
    return vpcs;
  },
  async describeFlowLogs() {
    const flowLogs: FlowLog[] = [];
    for await (const page of paginateDescribeFlowLogs({ client: aws.get(EC2) }, {}))
      flowLogs.push(...(page.FlowLogs ?? []));
    return flowLogs;
  },
});
