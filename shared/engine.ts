import type { Reader } from './collectors/reader';
import { CollectionError, InsufficientDataError, RebaselineError } from './errors';
import type { CommonParameters } from './params';
import type { AnyRule, ComplianceType, ResourceModel, Scope, Verdict } from './rule';

/** Config's limit on an evaluation's annotation. */
export const MAX_ANNOTATION_LENGTH = 256;

/** One evaluation, as rebaseline reports it (to Config, the CLI and the history store). */
export interface Evaluation {
  complianceResourceType: string;
  complianceResourceId: string;
  complianceType: ComplianceType;
  annotation?: string;
  orderingTimestamp: Date;
}

/**
 * Cuts an annotation to Config's 256 characters, marking the cut with an ellipsis.
 * @example
 * truncateAnnotation('x'.repeat(300)); // 255 × 'x' + '…'
 */
export function truncateAnnotation(annotation: string | undefined): string | undefined {
  if (annotation === undefined || annotation.length <= MAX_ANNOTATION_LENGTH) return annotation;
  let kept = annotation.slice(0, MAX_ANNOTATION_LENGTH - 1);
  // Never keep half of a surrogate pair (an emoji, say): a lone surrogate is not valid Unicode text.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}…`;
}

/**
 * One evaluation of a resource: the verdict, its annotation cut to Config's limit (an empty one dropped).
 * @example
 * toEvaluation(model, { complianceType: 'COMPLIANT' }, ci.captureTime);
 */
export function toEvaluation(
  resource: Pick<ResourceModel, 'resourceType' | 'resourceId'>,
  verdict: Verdict,
  orderingTimestamp: Date,
): Evaluation {
  const annotation = truncateAnnotation(verdict.annotation);
  return {
    complianceResourceType: resource.resourceType,
    complianceResourceId: resource.resourceId,
    complianceType: verdict.complianceType,
    ...(annotation ? { annotation } : {}),
    orderingTimestamp,
  };
}

/**
 * The exemption that applies to a resource, if any (exempt ids first, then the configured tag).
 * @example
 * exemptionOf(model, { ...params, exemptResourceIds: [model.resourceId] });
 * // → 'Exempted: sg-1 is listed in exemptResourceIds.'
 */
export function exemptionOf(model: ResourceModel, params: CommonParameters): string | undefined {
  if (params.exemptResourceIds.includes(model.resourceId))
    return `Exempted: ${model.resourceId} is listed in exemptResourceIds.`;
  if (params.exemptTagKey && model.tags?.[params.exemptTagKey] === params.exemptTagValue)
    return `Exempted: tagged ${params.exemptTagKey}=${params.exemptTagValue}.`;
  return undefined;
}

export interface RuleOutcome {
  evaluations: Evaluation[];
  /** Resources that could not be evaluated: never reported, and the invocation fails after reporting the rest. */
  failures: RebaselineError[];
}

function asRebaselineError(error: unknown, model?: ResourceModel): RebaselineError {
  if (error instanceof RebaselineError) return error;
  return model
    ? new CollectionError(model.resourceType, model.resourceId, (error as Error)?.message ?? String(error), {
        cause: error,
      })
    : new InsufficientDataError((error as Error)?.message ?? String(error), { cause: error });
}

/**
 * Evaluates models with a rule: exemptions first (exempted resources are never evaluated), then the context the
 * rule needs (read once), then the pure evaluator per resource. A resource whose evaluation throws becomes a
 * failure, never a verdict.
 * @example
 * const { evaluations, failures } = await evaluateModels(rule, models, params, reader, scope, ci.captureTime);
 */
export async function evaluateModels(
  rule: AnyRule,
  items: readonly (ResourceModel | CollectionError)[],
  params: CommonParameters,
  reader: Reader,
  scope: Scope,
  orderingTimestamp: Date,
): Promise<RuleOutcome> {
  const evaluations: Evaluation[] = [];
  const failures: RebaselineError[] = [];
  const toEvaluate: ResourceModel[] = [];
  for (const item of items) {
    if (item instanceof CollectionError) {
      failures.push(item);
      continue;
    }
    const exempted = exemptionOf(item, params);
    if (exempted)
      evaluations.push(
        toEvaluation(item, { complianceType: 'COMPLIANT', annotation: exempted }, orderingTimestamp),
      );
    else toEvaluate.push(item);
  }
  if (toEvaluate.length === 0) return { evaluations, failures };
  let context: unknown;
  try {
    context = await rule.loadContext(reader, toEvaluate, scope);
  } catch (error) {
    failures.push(asRebaselineError(error));
    return { evaluations, failures };
  }
  for (const model of toEvaluate) {
    try {
      evaluations.push(toEvaluation(model, rule.evaluate(model, params, context, scope), orderingTimestamp));
    } catch (error) {
      failures.push(asRebaselineError(error, model));
    }
  }
  return { evaluations, failures };
}
