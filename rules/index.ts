import type { AnyRule } from '../shared/rule';
import { rule as ec2SecurityGroupNoPublicIngress } from './ec2-security-group-no-public-ingress/evaluate';

/** Every rule rebaseline ships. A rule folder missing here fails `test/rules/registry.test.ts`. */
export const RULES: readonly AnyRule[] = [ec2SecurityGroupNoPublicIngress];

export function findRule(id: string): AnyRule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
