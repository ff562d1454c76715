import type { Reader } from '../collectors/reader';
import { type Evaluation, evaluateModels, exemptionOf } from '../engine';
import { RemediationVerificationError } from '../errors';
import type { CommonParameters } from '../params';
import type { AnyRule, ResourceModel, Scope } from '../rule';

/** The rule's verdict on one resource as the engine reaches it, and whether an exemption decided it. */
export interface RemediationVerdict {
  evaluation: Evaluation;
  compliant: boolean;
  /** The exemption's annotation when the resource is exempted (it is then never evaluated, nor changed). */
  exemption?: string;
}

/**
 * What the paired rule says about one resource, decided exactly as the Config rule decides it: the engine exempts
 * first, then loads the rule's context and evaluates. A resource the engine cannot evaluate raises its error, so
 * a remediation never acts on, nor verifies, what it could not read.
 * @throws the engine's failure (CollectionError, InsufficientDataError) for the resource.
 * @example
 * const { compliant, evaluation } = await verdictOf(rule, model, params, reader, scope);
 */
export async function verdictOf(
  rule: AnyRule,
  model: ResourceModel,
  params: CommonParameters,
  reader: Reader,
  scope: Scope,
): Promise<RemediationVerdict> {
  const outcome = await evaluateModels(rule, [model], params, reader, scope, scope.now);
  const failure = outcome.failures[0];
  if (failure) throw failure;
  const evaluation = outcome.evaluations[0];
  if (!evaluation)
    throw new RemediationVerificationError(`${rule.meta.id} returned no verdict for ${model.resourceId}.`);
  const exemption = exemptionOf(model, params);
  return {
    evaluation,
    compliant: evaluation.complianceType === 'COMPLIANT',
    ...(exemption ? { exemption } : {}),
  };
}
