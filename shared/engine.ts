import type { Reader } from './collectors/reader';
import {
  isWellFormedText,
  MAX_RESOURCE_ID_LENGTH,
  MAX_RESOURCE_TYPE_LENGTH,
  unreportable,
} from './config/configuration-item';
import { CollectionError, InsufficientDataError, MalformedResourceError, RebaselineError } from './errors';
import type { CommonParameters } from './params';
import type { AnyRule, ComplianceType, ResourceModel, Scope, Verdict } from './rule';

/** Config's limit on an evaluation's annotation. */
export const MAX_ANNOTATION_LENGTH = 256;

/** One evaluation, as rebaseline reports it (to Config, the CLI and the history store). */
export interface Evaluation {
  complianceResourceType: string;
  complianceResourceId: string;
  /** The resource's name for people, when its model has one (not sent to Config). */
  resourceName?: string;
  complianceType: ComplianceType;
  annotation?: string;
  orderingTimestamp: Date;
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Cuts an annotation to Config's 256 characters, marking the cut with an ellipsis, and makes it valid UTF-16: a
 * lone surrogate anywhere (from a tag, a name, a parameter) becomes U+FFFD, and the cut never splits a pair.
 * @example
 * truncateAnnotation('x'.repeat(300)); // 255 × 'x' + '…'
 */
export function truncateAnnotation(annotation: string | undefined): string | undefined {
  if (annotation === undefined) return undefined;
  const text = isWellFormedText(annotation) ? annotation : annotation.replace(LONE_SURROGATES, '\uFFFD');
  if (text.length <= MAX_ANNOTATION_LENGTH) return text;
  let kept = text.slice(0, MAX_ANNOTATION_LENGTH - 1);
  // Never keep half of a surrogate pair (an emoji, say): a lone surrogate is not valid Unicode text.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}…`;
}

/**
 * The resource's identity, if PutEvaluations accepts it.
 * @throws MalformedResourceError when the type or id is empty, too long or not valid UTF-16: Config would reject
 *   the whole batch, so the resource is not reported.
 */
function reportableIdentity(resource: Pick<ResourceModel, 'resourceType' | 'resourceId'>): void {
  const type = String(resource.resourceType ?? '');
  const id = String(resource.resourceId ?? '');
  const badType = unreportable(type, MAX_RESOURCE_TYPE_LENGTH);
  const badId = unreportable(id, MAX_RESOURCE_ID_LENGTH);
  if (!badType && !badId) return;
  const shorten = (s: string) =>
    (s.length > 80 ? `${s.slice(0, 77)}…` : s).replace(LONE_SURROGATES, '\uFFFD');
  throw new MalformedResourceError(
    shorten(type),
    shorten(id),
    badType ? 'resourceType' : 'resourceId',
    (badType ?? badId) as string,
  );
}

/**
 * One evaluation of a resource: the verdict, its annotation made valid and cut to Config's limit (an empty one
 * dropped).
 * @throws MalformedResourceError when the resource's identity cannot be reported to Config.
 * @throws InsufficientDataError for an INSUFFICIENT_DATA verdict: Config does not accept it from a custom rule
 *   (PutEvaluations), so such a resource is not reported.
 * @example
 * toEvaluation(model, { complianceType: 'COMPLIANT' }, ci.captureTime);
 */
export function toEvaluation(
  resource: Pick<ResourceModel, 'resourceType' | 'resourceId' | 'resourceName'>,
  verdict: Verdict,
  orderingTimestamp: Date,
): Evaluation {
  reportableIdentity(resource);
  if (verdict.complianceType === 'INSUFFICIENT_DATA')
    throw new InsufficientDataError(
      `${resource.resourceType} ${resource.resourceId} cannot be evaluated: ${verdict.annotation ?? 'insufficient data'}`,
    );
  const annotation = truncateAnnotation(verdict.annotation);
  return {
    complianceResourceType: resource.resourceType,
    complianceResourceId: resource.resourceId,
    ...(resource.resourceName ? { resourceName: resource.resourceName } : {}),
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
  const message = error instanceof Error ? error.message : String(error);
  return model
    ? new CollectionError(String(model.resourceType), String(model.resourceId), message, { cause: error })
    : new InsufficientDataError(message, { cause: error });
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
    if (!exempted) toEvaluate.push(item);
    else
      try {
        evaluations.push(
          toEvaluation(item, { complianceType: 'COMPLIANT', annotation: exempted }, orderingTimestamp),
        );
      } catch (error) {
        failures.push(asRebaselineError(error, item));
      }
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
