/**
 * Every error rebaseline raises on purpose. Each carries the context needed to act on it and,
 * where it wraps another failure, that failure as `cause`.
 */
export class RebaselineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The Lambda event from AWS Config (or a CLI event file) is not what Config sends. */
export class MalformedEventError extends RebaselineError {}

/** A rule parameter is unknown, or its value is not of the expected form. */
export class InvalidParametersError extends RebaselineError {
  constructor(
    readonly parameter: string,
    readonly expected: string,
    readonly received: unknown,
    options?: { cause?: unknown },
  ) {
    super(
      `Invalid rule parameter ${parameter}: expected ${expected}, got ${JSON.stringify(received)}.`,
      options,
    );
  }
}

/** A configuration item or API response lacks what the evaluator needs to decide. */
export class InsufficientDataError extends RebaselineError {}

/** Reading the account failed for a resource; the resource must not be reported COMPLIANT. */
export class CollectionError extends RebaselineError {
  constructor(
    readonly resourceType: string,
    readonly resourceId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Could not read ${resourceType} ${resourceId}: ${message}`, options);
  }
}

/** PutEvaluations kept rejecting evaluations after retries. */
export class PutEvaluationsError extends RebaselineError {
  constructor(
    readonly failed: readonly { complianceResourceId?: string; complianceResourceType?: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `AWS Config rejected ${failed.length} evaluation(s) after retries: ${failed
        .slice(0, 5)
        .map((f) => `${f.complianceResourceType} ${f.complianceResourceId}`)
        .join(', ')}${failed.length > 5 ? ', …' : ''}.`,
      options,
    );
  }
}

/** Something the user asked for does not exist (unknown rule id, remediation id, file). */
export class UsageError extends RebaselineError {}

/** Some evaluations were reported, but the invocation must still fail so Config retries the rest. */
export class PartialEvaluationError extends RebaselineError {
  constructor(
    readonly failures: readonly RebaselineError[],
    options?: { cause?: unknown },
  ) {
    super(
      `${failures.length} resource(s) could not be evaluated: ${failures.map((f) => f.message).join(' ')}`,
      options,
    );
  }
}

/** Name of an AWS SDK error, whatever its shape (`name`, `Code` in recorded responses). */
export function awsErrorName(error: unknown): string | undefined {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.name, e.Code, e.code]) if (typeof v === 'string') return v;
  }
  return undefined;
}
