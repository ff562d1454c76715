import type { Command } from 'commander';
import {
  type EvaluationSnapshot,
  SnapshotReader,
  snapshotKeys,
} from '../../../shared/collectors/snapshot-reader';
import { normaliseConfigurationItem } from '../../../shared/config/configuration-item';
import { type ConfigRuleEvent, parseConfigRuleEvent, ruleLocation } from '../../../shared/config/event';
import { PartialEvaluationError, UsageError } from '../../../shared/errors';
import { evaluateEvent } from '../../../shared/lambda/evaluate-event';
import { ruleParameters } from '../../../shared/params';
import type { AnyRule } from '../../../shared/rule';
import { jsonOption, readJsonFile } from '../io';

export interface EvaluateOptions {
  rule: string;
  event?: string;
  ci?: string;
  params?: string;
  context?: string;
}

export interface OfflineEvaluation {
  complianceResourceType: string;
  complianceResourceId: string;
  complianceType: string;
  annotation?: string;
}

function eventFromConfigurationItem(raw: unknown): ConfigRuleEvent {
  const ci = normaliseConfigurationItem(raw);
  return {
    configRuleName: 'offline',
    accountId: ci.accountId,
    resultToken: 'TESTMODE',
    eventLeftScope: false,
    ruleParameters: {},
    invokingEvent: { messageType: 'ConfigurationItemChangeNotification', configurationItem: raw },
  };
}

/**
 * The rules `evaluate` runs: every rule, or how to load the one asked for alone (the compiled CLI: one rule's
 * modules, not every rule's and the SDK clients of their reads) and, for an id it does not know, all of them.
 */
export type EvaluateRules =
  | readonly AnyRule[]
  | {
      one: (id: string) => Promise<AnyRule | undefined>;
      all: () => Promise<readonly AnyRule[]>;
    };

/** The rule with this id. @throws UsageError naming every rule id when there is none. */
async function findRule(rules: EvaluateRules, id: string): Promise<AnyRule> {
  const one = 'one' in rules ? await rules.one(id) : undefined;
  if (one) return one;
  // Not among the rules loadable alone (a typo; or a rule registered since the loaders were generated): all of them.
  const all = 'all' in rules ? await rules.all() : rules;
  const rule = all.find((r) => r.meta.id === id);
  if (!rule) throw new UsageError(`Unknown rule ${id}; rules: ${all.map((r) => r.meta.id).join(', ')}.`);
  return rule;
}

/**
 * Runs a rule's evaluator on an event or configuration item with no AWS calls; what collectors would read comes
 * from the context snapshot.
 */
export async function evaluateOffline(
  rules: EvaluateRules,
  options: EvaluateOptions,
): Promise<OfflineEvaluation[]> {
  const rule = await findRule(rules, options.rule);
  if (Boolean(options.event) === Boolean(options.ci))
    throw new UsageError('Give exactly one of --event or --ci.');
  const event = options.event
    ? parseConfigRuleEvent(readJsonFile(options.event, 'Event'))
    : eventFromConfigurationItem(readJsonFile(options.ci as string, 'Configuration item'));
  const params = ruleParameters(rule, { ...event.ruleParameters, ...jsonOption(options.params, '--params') });
  const snapshot = jsonOption(options.context, '--context') as EvaluationSnapshot;
  const inv = event.invokingEvent;
  const { partition, region } = ruleLocation(event, 'us-east-1');
  const itemRegion =
    inv.messageType === 'ConfigurationItemChangeNotification'
      ? normaliseConfigurationItem(inv.configurationItem).awsRegion
      : undefined;
  const scope = {
    accountId: event.accountId,
    region: itemRegion || region,
    partition,
    now: snapshot.now ? new Date(snapshot.now) : (inv.notificationCreationTime ?? new Date()),
  };
  if (Number.isNaN(scope.now.getTime())) throw new UsageError(`--context now ${snapshot.now} is not a date.`);
  // The keys of the rule's own reads: the same whether every rule is loaded (the sources) or only this one.
  const known = snapshotKeys(rule.reads);
  for (const key of Object.keys(snapshot))
    if (!Object.hasOwn(known, key))
      throw new UsageError(
        `Unknown evaluation context key "${key}" for rule ${rule.meta.id}; its keys: ${Object.keys(known).sort().join(', ')}.`,
      );
  const outcome = await evaluateEvent(rule, event, params, scope, {
    reader: new SnapshotReader(snapshot, scope.accountId, scope.region, rule.reads),
  });
  // One resource that cannot be evaluated (a field of the item, or a --context key, it needs): that error itself,
  // naming what is missing (exit 2); several: all of them.
  if (outcome.failures.length === 1) throw outcome.failures[0];
  if (outcome.failures.length > 1) throw new PartialEvaluationError(outcome.failures);
  return outcome.evaluations.map((e) => ({
    complianceResourceType: e.complianceResourceType,
    complianceResourceId: e.complianceResourceId,
    complianceType: e.complianceType,
    ...(e.annotation ? { annotation: e.annotation } : {}),
  }));
}

/** The rule ids and every `--context` key, for `evaluate --help`. */
export function evaluateHelp(rules: readonly AnyRule[]): string {
  const width = Math.max(...Object.keys(snapshotKeys()).map((k) => k.length));
  return [
    '',
    'Rules (--rule):',
    ...rules.map((r) => `  ${r.meta.id}`),
    '',
    'Context keys (--context, an object with any of):',
    ...Object.entries(snapshotKeys()).map(([key, what]) => `  ${key.padEnd(width)}  ${what}`),
    '',
    'Examples (recorded data in examples/, see examples/PROVENANCE.md):',
    '  rebaseline evaluate --rule ec2-security-group-no-public-ingress --event examples/security-group-open-ssh.event.json',
    '  rebaseline evaluate --rule iam-root-access-keys-absent --event examples/scheduled.event.json --context examples/root-keys.context.json',
  ].join('\n');
}

/**
 * Registers `evaluate`. Its help lists every rule and every --context key: given only how to load one rule, the
 * command has no such list (the command line loads every rule when its help may be shown).
 */
export function registerEvaluate(program: Command, rules: EvaluateRules): void {
  program
    .command('evaluate')
    .description('Evaluate one rule offline on a Config Lambda event or a configuration item (no AWS calls).')
    .requiredOption('--rule <rule-id>', 'rule id')
    .option('--event <file>', 'Lambda event from AWS Config (JSON)')
    .option('--ci <file>', 'configuration item (JSON, any of Config’s spellings)')
    .option('--params <json>', 'rule parameters as Config passes them: a JSON object of strings')
    .option('--context <json>', 'what collectors would read (inline JSON or a file); keys below')
    .addHelpText('after', () => ('one' in rules ? '' : evaluateHelp(rules)))
    .action(async (opts: EvaluateOptions) => {
      const evaluations = await evaluateOffline(rules, opts);
      process.stdout.write(`${JSON.stringify({ evaluations })}\n`);
    });
}
