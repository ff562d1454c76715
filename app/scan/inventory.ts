import {
  type AggregateResourceIdentifier,
  BatchGetAggregateResourceConfigCommand,
  BatchGetResourceConfigCommand,
  type ConfigurationRecorder,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  paginateListAggregateDiscoveredResources,
  paginateListDiscoveredResources,
  type ResourceKey,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import type { AwsClients } from '../../shared/aws/clients';
import { ConfigService } from '../../shared/aws/services/config';
import { type ConfigurationItem, normaliseConfigurationItem } from '../../shared/config/configuration-item';
import { awsErrorName, CollectionError } from '../../shared/errors';
import type { AnyRule } from '../../shared/rule';

/** BatchGetResourceConfig and BatchGetAggregateResourceConfig take at most this many keys. */
export const CONFIG_BATCH = 100;
/** ListDiscoveredResources and ListAggregateDiscoveredResources give at most this many identifiers a page. */
export const CONFIG_PAGE = 100;
/** How many times keys Config left unprocessed are asked for again before they count as not read. */
const UNPROCESSED_ATTEMPTS = 5;

/** Whether AWS Config records a resource type in one account and region, and why (or why not). */
export interface Coverage {
  recorded: boolean;
  reason: string;
}

/**
 * The configuration items AWS Config holds for one account and region.
 * - `coverage`: does a recorder that is recording have the type in its recording group;
 * - `items`: every current item of the type, normalised; a resource Config listed but could not give (left
 *   unprocessed, or an item that cannot be read) comes back as a {@link CollectionError} in its place, never
 *   dropped.
 */
export interface Inventory {
  coverage(resourceType: string): Promise<Coverage>;
  items(resourceType: string): Promise<Array<ConfigurationItem | CollectionError>>;
}

/**
 * The resource type a rule can be evaluated on from Config's items: the one its periodic path evaluates, when the
 * rule models it from a configuration item too (its change trigger). `undefined` for rules that evaluate something no
 * item carries (the account: root keys, account-level Block Public Access as the periodic path reports it, trails).
 * @example
 * configResourceType(securityGroupRule); // → 'AWS::EC2::SecurityGroup'
 * configResourceType(rootKeysRule);      // → undefined
 */
export function configResourceType(rule: AnyRule): string | undefined {
  const periodic = rule.meta.trigger.periodic?.resourceType;
  if (!periodic || !rule.fromConfigurationItem) return undefined;
  return rule.meta.trigger.configurationChange?.resourceTypes.includes(periodic) ? periodic : undefined;
}

/** Resource types Config records only with `includeGlobalResourceTypes` under the all-supported strategy. */
const GLOBAL_TYPE = /^AWS::IAM::/;

/**
 * Whether `recorder` (with its status) records `resourceType`, from its recording group: all supported types (global
 * IAM types only when included), an inclusion list, or everything but an exclusion list.
 * @example
 * recorderCoverage(recorder, { recording: true }, 'AWS::S3::Bucket'); // → { recorded: true, reason: 'recorded by default (all supported types)' }
 */
export function recorderCoverage(
  recorder: ConfigurationRecorder,
  recording: boolean,
  resourceType: string,
): Coverage {
  const name = recorder.name ?? 'default';
  if (!recording) return { recorded: false, reason: `the configuration recorder ${name} is not recording` };
  const group = recorder.recordingGroup ?? {};
  const strategy =
    group.recordingStrategy?.useOnly ??
    (group.allSupported === false ? 'INCLUSION_BY_RESOURCE_TYPES' : 'ALL_SUPPORTED_RESOURCE_TYPES');
  const daily =
    recorder.recordingMode?.recordingFrequency === 'DAILY' ||
    (recorder.recordingMode?.recordingModeOverrides ?? []).some(
      (o) =>
        o.recordingFrequency === 'DAILY' && (o.resourceTypes ?? []).includes(resourceType as ResourceType),
    );
  const frequency = daily ? ', daily' : '';
  switch (strategy) {
    case 'INCLUSION_BY_RESOURCE_TYPES': {
      const included = (group.resourceTypes ?? []).includes(resourceType as ResourceType);
      return included
        ? { recorded: true, reason: `recorded by ${name} (listed in its recording group${frequency})` }
        : { recorded: false, reason: `${resourceType} is not in the recording group of ${name}` };
    }
    case 'EXCLUSION_BY_RESOURCE_TYPES': {
      const excluded = (group.exclusionByResourceTypes?.resourceTypes ?? []).includes(
        resourceType as ResourceType,
      );
      return excluded
        ? { recorded: false, reason: `${resourceType} is excluded from the recording group of ${name}` }
        : { recorded: true, reason: `recorded by ${name} (not excluded${frequency})` };
    }
    default:
      if (GLOBAL_TYPE.test(resourceType) && group.includeGlobalResourceTypes !== true)
        return { recorded: false, reason: `${name} does not include global resource types` };
      return { recorded: true, reason: `recorded by ${name} (all supported types${frequency})` };
  }
}

/** An item as BatchGetResourceConfig gives it, normalised; a malformed one becomes a {@link CollectionError}. */
function normalised(
  raw: unknown,
  resourceType: string,
  resourceId: string,
): ConfigurationItem | CollectionError {
  try {
    return normaliseConfigurationItem(raw);
  } catch (error) {
    return new CollectionError(resourceType, resourceId, (error as Error)?.message ?? String(error), {
      cause: error,
    });
  }
}

/**
 * Fetches items by key in batches of {@link CONFIG_BATCH}; keys Config leaves unprocessed are asked for again in
 * the next batches (a bounded number of times, then they fail). A key Config neither returns nor leaves unprocessed
 * is a resource deleted since it was listed (the batch APIs do not return deleted resources): it is left out, as a
 * live read would not find it either.
 */
async function fetchInBatches<K>(
  keys: readonly K[],
  idOf: (key: K) => string,
  resourceType: string,
  fetch: (batch: K[]) => Promise<{ items: unknown[]; unprocessed: K[] }>,
): Promise<Array<ConfigurationItem | CollectionError>> {
  const out: Array<ConfigurationItem | CollectionError> = [];
  const tries = new Map<string, number>();
  const pending = [...keys];
  while (pending.length > 0) {
    const batch = pending.splice(0, CONFIG_BATCH);
    const { items, unprocessed } = await fetch(batch);
    for (const raw of items) {
      const id = (raw as { resourceId?: unknown }).resourceId;
      out.push(normalised(raw, resourceType, typeof id === 'string' ? id : '(unknown)'));
    }
    for (const key of unprocessed) {
      const id = idOf(key);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      if (n < UNPROCESSED_ATTEMPTS) pending.push(key);
      else
        out.push(
          new CollectionError(
            resourceType,
            id,
            `AWS Config left it unprocessed ${n} times (BatchGetResourceConfig unprocessed keys).`,
          ),
        );
    }
  }
  return out;
}

/**
 * Whether the account's recorders record a type: the customer-managed recorders (service-linked ones record for
 * their service only) with their status, read once per inventory.
 */
class RecorderState {
  private state?: Promise<{ recorders: ConfigurationRecorder[]; recording: Map<string, boolean> }>;

  constructor(private readonly clients: AwsClients) {}

  async coverage(resourceType: string): Promise<Coverage> {
    this.state ??= this.read();
    const { recorders, recording } = await this.state;
    if (recorders.length === 0)
      return {
        recorded: false,
        reason: 'AWS Config has no configuration recorder in this account and region',
      };
    const each = recorders.map((r) =>
      recorderCoverage(r, recording.get(r.name ?? '') ?? false, resourceType),
    );
    return each.find((c) => c.recorded) ?? (each[0] as Coverage);
  }

  private async read() {
    const config = this.clients.get(ConfigService);
    const described = await config.send(new DescribeConfigurationRecordersCommand({}));
    const recorders = (described.ConfigurationRecorders ?? []).filter((r) => !r.servicePrincipal);
    const recording = new Map<string, boolean>();
    if (recorders.length > 0) {
      const status = await config.send(new DescribeConfigurationRecorderStatusCommand({}));
      for (const s of status.ConfigurationRecordersStatus ?? [])
        recording.set(s.name ?? '', s.recording === true);
    }
    return { recorders, recording };
  }
}

/**
 * The items AWS Config holds in one account and region: `ListDiscoveredResources` (100 a page, deleted resources
 * left out) then `BatchGetResourceConfig` (100 keys a call), so a type of N resources costs about N/50 calls.
 * @example
 * const inventory = new ConfigInventory(memberClients);
 * if ((await inventory.coverage('AWS::S3::Bucket')).recorded) await inventory.items('AWS::S3::Bucket');
 */
export class ConfigInventory implements Inventory {
  private readonly recorders: RecorderState;

  constructor(private readonly clients: AwsClients) {
    this.recorders = new RecorderState(clients);
  }

  coverage(resourceType: string): Promise<Coverage> {
    return this.recorders.coverage(resourceType);
  }

  async items(resourceType: string): Promise<Array<ConfigurationItem | CollectionError>> {
    const config = this.clients.get(ConfigService);
    const keys: ResourceKey[] = [];
    for await (const page of paginateListDiscoveredResources(
      { client: config, pageSize: CONFIG_PAGE },
      { resourceType: resourceType as ResourceType, includeDeletedResources: false },
    ))
      for (const r of page.resourceIdentifiers ?? [])
        if (r.resourceId && !r.resourceDeletionTime)
          keys.push({ resourceType: resourceType as ResourceType, resourceId: r.resourceId });
    return fetchInBatches(
      keys,
      (k) => k.resourceId ?? '',
      resourceType,
      async (batch) => {
        const out = await config.send(new BatchGetResourceConfigCommand({ resourceKeys: batch }));
        return { items: out.baseConfigurationItems ?? [], unprocessed: out.unprocessedResourceKeys ?? [] };
      },
    );
  }
}

/**
 * The items of an organisation's configuration aggregator (from the account that holds it): the identifiers of a
 * type are listed once for the whole organisation (`ListAggregateDiscoveredResources`), and each account and region
 * fetches its own with `BatchGetAggregateResourceConfig` when it is scanned. Whether a member records the type is
 * still its own recorder's answer (read with the member's role): an aggregator does not say.
 * @example
 * const aggregator = new AggregatorInventory(callerClients, 'org-aggregator');
 * const inventory = aggregator.forAccount('111122223333', 'eu-west-1', new ConfigInventory(memberClients));
 */
export class AggregatorInventory {
  private readonly listed = new Map<string, Promise<Map<string, AggregateResourceIdentifier[]>>>();

  constructor(
    private readonly clients: AwsClients,
    readonly name: string,
  ) {}

  /** The inventory of one account and region: items from the aggregator, coverage from `own` (the member's). */
  forAccount(accountId: string, region: string, own: Pick<Inventory, 'coverage'>): Inventory {
    return {
      coverage: (resourceType) => own.coverage(resourceType),
      items: (resourceType) => this.items(resourceType, accountId, region),
    };
  }

  private identifiers(resourceType: string): Promise<Map<string, AggregateResourceIdentifier[]>> {
    let p = this.listed.get(resourceType);
    if (!p) {
      p = (async () => {
        const byUnit = new Map<string, AggregateResourceIdentifier[]>();
        for await (const page of paginateListAggregateDiscoveredResources(
          { client: this.clients.get(ConfigService), pageSize: CONFIG_PAGE },
          { ConfigurationAggregatorName: this.name, ResourceType: resourceType as ResourceType },
        ))
          for (const r of page.ResourceIdentifiers ?? []) {
            const key = `${r.SourceAccountId}|${r.SourceRegion}`;
            const list = byUnit.get(key) ?? [];
            list.push(r);
            byUnit.set(key, list);
          }
        return byUnit;
      })();
      // A failed listing is not kept: the account-region retried at the end of the scan lists again.
      p.catch(() => this.listed.delete(resourceType));
      this.listed.set(resourceType, p);
    }
    return p;
  }

  private async items(
    resourceType: string,
    accountId: string,
    region: string,
  ): Promise<Array<ConfigurationItem | CollectionError>> {
    const keys = (await this.identifiers(resourceType)).get(`${accountId}|${region}`) ?? [];
    const config = this.clients.get(ConfigService);
    return fetchInBatches(
      keys,
      (k) => k.ResourceId ?? '',
      resourceType,
      async (batch) => {
        const out = await config.send(
          new BatchGetAggregateResourceConfigCommand({
            ConfigurationAggregatorName: this.name,
            ResourceIdentifiers: batch,
          }),
        );
        return {
          items: out.BaseConfigurationItems ?? [],
          unprocessed: out.UnprocessedResourceIdentifiers ?? [],
        };
      },
    );
  }
}

/** `AccessDeniedException: …` of an inventory read, for a failure message. */
export function inventoryErrorText(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const name = awsErrorName(error);
  return name && name !== message && name !== 'Error' ? `${name}: ${message}` : message;
}
