import type { ReaderPart } from './collectors/parts';
import type { ReaderOf, ReadPart } from './collectors/reader';
import type { ConfigurationItem } from './config/configuration-item';
import type { CollectionError } from './errors';
import { RULE_SCHEMA, type RuleMetadataSchema } from './schemas/rule';

export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';

/** `rules/<id>/rule.json`: its type is derived from its JSON Schema (`shared/schemas/rule.ts`), read with `ruleMetadata`. */
export type RuleMetadata = RuleMetadataSchema;

/** How often a periodic rule runs, as Config spells it. */
export type MaximumExecutionFrequency = NonNullable<
  RuleMetadata['trigger']['periodic']
>['maximumExecutionFrequency'];

export const PERIODIC_FREQUENCIES = RULE_SCHEMA.properties.trigger.properties.periodic.properties
  .maximumExecutionFrequency.enum satisfies readonly MaximumExecutionFrequency[];

/**
 * One IAM policy statement a rule's Lambda role needs. `${Partition}` / `${AccountId}` are substituted at deploy
 * time; a statement on `Resource: "*"` says why in `wildcardReason`.
 */
export type IamStatement = RuleMetadata['iam'][number];

/** JSON Schema of one rule parameter as written in rule.json. */
export type ParameterSchema = RuleMetadata['parameters']['properties'][string];

/** An AWS managed rule that checks what a rebaseline rule checks (the companion pack). */
export type ManagedRule = NonNullable<RuleMetadata['managedRules']>[number];

/** Where a rule is evaluated: in every region, or once per account (rule.json `scope`). */
export type RuleScope = NonNullable<RuleMetadata['scope']>;

/**
 * The rule's scope: `global` when what it evaluates is the same seen from any region (IAM, account-level S3 Block
 * Public Access, multi-region trails), so a scan of several regions evaluates it once per account; a rule.json
 * without one is `regional`, the reading that never evaluates a region too few.
 * @example
 * ruleScope(rootKeysRule.meta); // → 'global'
 */
export function ruleScope(meta: Pick<RuleMetadata, 'scope'>): RuleScope {
  return meta.scope ?? 'regional';
}

/** What the evaluator says about one resource. */
export interface Verdict {
  complianceType: ComplianceType;
  annotation?: string;
}

/** Every resource model carries its identity, so the framework can report and exempt it. */
export interface ResourceModel {
  resourceType: string;
  resourceId: string;
  /** A name for people when the id is not one (a security group's GroupName); shown in reports, never evaluated. */
  resourceName?: string;
  accountId: string;
  region?: string;
  tags?: Record<string, string>;
}

/** Resource type of account-level evaluations. */
export const ACCOUNT_RESOURCE_TYPE = 'AWS::::Account';

/** The identity of a resource whose configuration item says it was deleted. */
export interface DeletedResource {
  resourceType: string;
  resourceId: string;
  accountId: string;
  region: string;
}

/** Where and when an evaluation happens. */
export interface Scope {
  accountId: string;
  region: string;
  partition: string;
  now: Date;
}

/**
 * A rule: metadata, the parts of the live reader it reads, how to build its resource models (from a
 * configuration item or by collecting them through a reader), what else the evaluator needs, and the pure evaluator.
 * `N` names the parts (`ec2`, `s3`, …): `collect` and `loadContext` get a reader with only their reads, so a read
 * the rule does not declare fails to compile instead of failing in the Lambda, which bundles only those parts.
 *
 * @example
 * export const rule = defineRule<SecurityGroupModel, Parameters, Context, 'ec2'>({
 *   meta, reads: { ec2: ec2Reads }, fromConfigurationItem, collect, loadContext, evaluate,
 * });
 */
export interface RuleDefinition<
  M extends ResourceModel = ResourceModel,
  P = Record<string, unknown>,
  C = unknown,
  N extends ReadPart = ReadPart,
> {
  meta: RuleMetadata;
  /** The parts of the live reader the rule reads through (from `shared/collectors/reads/`), by part name. */
  reads: { readonly [K in N]: ReaderPart<K> };
  /** Change-triggered path: the model of a configuration item of one of `trigger.configurationChange.resourceTypes`. */
  fromConfigurationItem?: (ci: ConfigurationItem) => M;
  /**
   * Change-triggered path, for rules where deleting the resource is itself the drift (deleting the account-level
   * Block Public Access configuration removes the protection): the model of the deleted resource. Without it a
   * deleted resource is NOT_APPLICABLE.
   */
  fromDeletedItem?: (deleted: DeletedResource) => M;
  /**
   * Periodic path: every resource in scope, read through the reader. A resource that cannot be read is returned
   * as a {@link CollectionError} (never dropped: it must not look deleted, nor be reported COMPLIANT).
   */
  collect?: (reader: ReaderOf<N>, scope: Scope, params: P) => Promise<Array<M | CollectionError>>;
  /** Checks values the JSON Schema cannot (e.g. port ranges); throws InvalidParametersError. */
  checkParameters?: (params: P) => void;
  /** Facts beyond the models (account-level BPA, prefix list entries), read once per invocation. */
  loadContext: (reader: ReaderOf<N>, models: readonly M[], scope: Scope) => Promise<C>;
  /** Pure: no I/O, no clock (use `scope.now`). */
  evaluate: (model: M, params: P, context: C, scope: Scope) => Verdict;
}

// The registry holds rules of different model/parameter types; `never`/`unknown` keep it type-safe.
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous registry needs an existential type here.
export type AnyRule = RuleDefinition<any, any, any, any>;

/** Identity function that keeps the type parameters of a rule definition. */
export function defineRule<M extends ResourceModel, P, C, N extends ReadPart>(
  rule: RuleDefinition<M, P, C, N>,
): RuleDefinition<M, P, C, N> {
  return rule;
}
