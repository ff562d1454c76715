import type { FlowLog, Vpc } from '@aws-sdk/client-ec2';
import { defineReads } from '../../shared/collectors/parts';
import { need } from '../../shared/collectors/snapshot-reader';

declare module '../../shared/collectors/reader' {
  interface ReadsByPart {
    vpcFlowLogsEnabled: {
      /** Every VPC the region lists (DescribeVpcs, all pages), shared ones included. */
      describeVpcs(): Promise<Vpc[]>;
      /** Every flow log of the region (DescribeFlowLogs, all pages): of VPCs, subnets, interfaces, gateways. */
      describeFlowLogs(): Promise<FlowLog[]>;
    };
  }
  interface EvaluationSnapshot {
    vpcs?: Vpc[];
    flowLogs?: FlowLog[];
  }
}

/**
 * The reads of vpc-flow-logs-enabled: the region's VPCs and its flow logs, each listed once per reader (one call
 * sequence for the whole region, whatever the number of VPCs).
 * @example
 * const reader = new LiveReader(aws, accountId, { vpcFlowLogsEnabled: vpcFlowLogsEnabledReads });
 * await reader.describeFlowLogs();
 */
export const vpcFlowLogsEnabledReads = defineReads('vpcFlowLogsEnabled', {
  live: () => import('./reads.live.js'),
  snapshot: {
    keys: {
      vpcs: 'DescribeVpcs Vpcs',
      flowLogs: 'DescribeFlowLogs FlowLogs (every flow log of the region)',
    },
    open: (snapshot) => ({
      async describeVpcs() {
        return need(snapshot.vpcs, 'vpcs', 'the VPCs');
      },
      async describeFlowLogs() {
        return need(snapshot.flowLogs, 'flowLogs', 'the flow logs');
      },
    }),
  },
});
