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

/**
 * A GuardDuty or Security Hub finding (or the EventBridge event carrying it) is not what those services send: the
 * field is named (`detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4`). Nothing is started.
 */
export class MalformedFindingError extends RebaselineError {
  constructor(
    readonly field: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Malformed finding: ${field} ${problem}`, options);
  }
}

/**
 * An incident playbook stopped on purpose before changing anything more: the resource carries the skip tag, the
 * recorded state it needs is missing, or what it found is not what it may act on. The message says what to do.
 */
export class PlaybookRefusedError extends RebaselineError {}

/** A playbook step made its calls, but re-reading shows the resource is not in the state the step promises. */
export class PlaybookVerificationError extends RebaselineError {}

/** A playbook step stopped at a failed AWS call; the message says which calls were made before it. */
export class PlaybookStepError extends RebaselineError {}

/** An EventBridge event pattern is not one EventBridge accepts (the path and the problem are named). */
export class InvalidEventPatternError extends RebaselineError {}

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

/**
 * A configuration item or API response cannot be modelled completely: a field the rule reads is missing, of the
 * wrong type, or not a value AWS writes. Nothing is reported for the resource (Config retries the invocation;
 * offline, `rebaseline evaluate` exits 2): a verdict on what could not be read would be a guess.
 */
export class MalformedResourceError extends CollectionError {
  constructor(
    resourceType: string,
    resourceId: string,
    /** The field, as a path into the item or response (`configuration.ipPermissions[0].fromPort`). */
    readonly field: string,
    /** What is wrong with it, e.g. `is missing` or `is "abc", not an integer`. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(resourceType, resourceId, `${field} ${problem}.`, options);
  }
}

/**
 * A fact outside the resource that its verdict depends on (a prefix list's entries, the account's S3 Block Public
 * Access, a trail's status or event selectors) could not be read. The resource is not reported: AWS Config does
 * not accept INSUFFICIENT_DATA from a custom rule, and any verdict would be a guess.
 */
export class UnreadableDependencyError extends InsufficientDataError {
  constructor(
    readonly resourceType: string,
    readonly resourceId: string,
    /** What could not be read, e.g. `prefix list pl-0123 (entries)`. */
    readonly dependency: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${resourceType} ${resourceId} cannot be evaluated: ${dependency} could not be read (${reason.replace(/\.$/, '')}), and the verdict depends on it.`,
      options,
    );
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

/** The history database cannot be opened, migrated or written (wrong file, newer schema, unknown run). */
export class HistoryStoreError extends RebaselineError {}

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

/** What did not get done in a CLI run: a resource not evaluated or not remediated, and why. */
export interface UnfinishedResource {
  /** The rule, or `*` when a whole account could not be reached. */
  ruleId: string;
  resourceType?: string;
  resourceId?: string;
  /** Where, in a run over several accounts or regions. */
  accountId?: string;
  region?: string;
  message: string;
}

/** One line of an {@link IncompleteRunError}: where, the rule, the resource, why. */
function unfinishedLine(u: UnfinishedResource): string {
  const where = u.accountId ? `${u.accountId}${u.region ? ` ${u.region}` : ''} ` : '';
  if (u.ruleId === '*') return `  ${where}(every rule): ${u.message}`;
  return `  ${where}${u.ruleId} ${u.resourceId ?? '(every resource of the rule)'}: ${u.message}`;
}

/**
 * A scan or remediate run finished, but some resources could not be evaluated or remediated (exit status 1; bad
 * input is 2). Its message lists them, one per line.
 */
export class IncompleteRunError extends RebaselineError {
  readonly exitCode = 1;
  constructor(
    readonly what: string,
    readonly unfinished: readonly UnfinishedResource[],
    options?: { cause?: unknown },
  ) {
    super(`${unfinished.length} ${what}:\n${unfinished.map(unfinishedLine).join('\n')}`, options);
  }
}

/** A signal stopped a run; the history marks it `interrupted`. Exit status 128 + the signal's number. */
export class RunInterruptedError extends RebaselineError {
  constructor(
    readonly signal: string,
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** One defect in an SSM Automation document: the step (when it is in one), the field, and what is wrong. */
export interface DocumentProblem {
  step?: string;
  field: string;
  message: string;
}

/** An SSM Automation document breaks SSM's schema or rebaseline's own rules; every defect is listed. */
export class InvalidDocumentError extends RebaselineError {
  constructor(
    readonly document: string,
    readonly problems: readonly DocumentProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      `Invalid SSM Automation document ${document}: ${problems
        .map((p) => `${p.step ? `step ${p.step}, ` : ''}${p.field}: ${p.message}`)
        .join(' ')}`,
      options,
    );
  }
}

/** A value for an automation parameter is missing, unknown, of the wrong type, or not allowed. */
export class InvalidAutomationParameterError extends RebaselineError {
  constructor(
    readonly document: string,
    readonly parameter: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid parameter ${parameter} for ${document}: ${reason}`, options);
  }
}

/** The local SSM runner cannot execute a step: the action (or the service it calls) is not implemented. */
export class UnsupportedActionError extends RebaselineError {
  constructor(
    readonly document: string,
    readonly step: string,
    readonly action: string,
    detail?: string,
  ) {
    super(
      `${document}, step ${step}: ${detail ?? `action ${action} is not supported by the local SSM runner.`}`,
    );
  }
}

/** A remediation Lambda received a payload its document never sends (missing or malformed field). */
export class RemediationInputError extends RebaselineError {}

/**
 * A remediation cannot fix the resource from where it runs, or needs something only a person can provide: it
 * changed nothing, and the message says what a person must do.
 */
export class ManualActionRequiredError extends RebaselineError {
  constructor(
    readonly resourceId: string,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** AWS refused a call a remediation depends on (permissions, an SCP, a resource owned by another account). */
export class RemediationDeniedError extends RebaselineError {}

/** A remediation ran, but re-reading the resource shows it is still not in the secure state. */
export class RemediationVerificationError extends RebaselineError {}

/**
 * A remediation Lambda was asked to read an account other than its own and has no role to reach it
 * (`EXECUTION_ROLE_NAME` is unset): it read nothing, rather than read its own account in the target's place.
 */
export class TargetAccountUnreachableError extends RebaselineError {
  constructor(
    readonly targetAccountId: string,
    readonly lambdaAccountId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A live reader was asked for a read of a part it was not built with (a programming error: the rule's `reads`, or
 * the parts given to `new LiveReader`, lack the part). Nothing was read.
 */
export class ReaderPartMissingError extends RebaselineError {
  constructor(
    readonly read: string,
    readonly part: string,
    options?: { cause?: unknown },
  ) {
    super(
      `LiveReader.${read} needs the ${part} part, which this reader was not built with: add the part ${part} to the rule's \`reads\` (or to the parts given to new LiveReader).`,
      options,
    );
  }
}

/**
 * One attempt of an automation step failed (an assertion, an unresolved reference, a Lambda error, a timeout).
 * The runner records it in the execution instead of throwing it to the caller.
 */
export class AutomationStepError extends RebaselineError {
  constructor(
    readonly step: string,
    message: string,
    readonly details: { timedOut?: boolean; outputs?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
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

/** The deployment configuration (stage parameters, rule or remediation metadata) cannot produce a valid stack. */
export class DeploymentConfigError extends RebaselineError {}
