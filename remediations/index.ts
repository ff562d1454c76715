import type { AwsClients } from '../shared/aws/clients';
import type { RemediationMetadata } from '../shared/remediation';

/** The Lambda of a remediation, built for given clients (the deployed Lambda uses the default chain). */
export type RemediationLambdaFactory = (
  clients?: (region: string) => AwsClients,
) => (payload: unknown) => Promise<unknown>;

/** A remediation: its metadata, its folder (holding `document.yaml`) and, when it has one, its Lambda. */
export interface Remediation {
  meta: RemediationMetadata;
  dir: string;
  createHandler?: RemediationLambdaFactory;
}

/** Every remediation rebaseline ships. A remediation folder missing here fails the registry test. */
export const REMEDIATIONS: readonly Remediation[] = [];

export function findRemediation(id: string): Remediation | undefined {
  return REMEDIATIONS.find((r) => r.meta.id === id);
}

/** The remediation whose Lambda a document names: the function name (or ARN's function part) ends with its id. */
export function remediationForFunction(functionName: string): Remediation | undefined {
  const name = functionName.split(':function:').pop()?.split(':')[0] ?? functionName;
  return REMEDIATIONS.find((r) => r.createHandler && name.endsWith(r.meta.id));
}
