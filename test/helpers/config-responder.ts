import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP responder for the AWS Config APIs moto_server does not implement (BatchGetResourceConfig and
 * GetComplianceDetailsByConfigRule fail, SelectResourceConfig returns canned rows), in front of it. It answers the
 * AWS JSON 1.1 protocol (`X-Amz-Target: StarlingDoveService.<Op>`) of the inventory APIs
 * DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus, ListDiscoveredResources,
 * BatchGetResourceConfig, ListAggregateDiscoveredResources and BatchGetAggregateResourceConfig, from items a test
 * puts in it (recorded configuration items, in the API's spelling), and of GetComplianceDetailsByConfigRule, from the
 * evaluation results a test gives a rule (shaped as botocore's model of the API has them), per account and region;
 * every other request (PutEvaluations in test mode, …) goes to moto unchanged. So the product's real SDK client is tested end to end, and moto still serves what it
 * implements (STS, EC2, S3, S3 Control, …).
 *
 * The account of a request is the one its credentials belong to: the default test keys are moto's default account;
 * keys from an `AssumeRole` that went through the responder belong to the role's account (the responder reads the
 * role ARN of the request and the key id of moto's answer). The region is the SigV4 signing region.
 */

/** An item as BatchGetResourceConfig returns it (`configuration` and supplementary values as JSON text). */
export interface RecordedItem {
  version: string;
  accountId: string;
  configurationItemCaptureTime: string;
  configurationItemStatus: string;
  configurationStateId?: string;
  arn?: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  awsRegion: string;
  availabilityZone?: string;
  resourceCreationTime?: string;
  configuration: string;
  supplementaryConfiguration: Record<string, string>;
}

/**
 * An evaluation result as GetComplianceDetailsByConfigRule returns it (botocore's `config/2014-11-12` model:
 * EvaluationResult), timestamps as ISO text. The rule name of the qualifier is the rule's the results are given to.
 */
export interface RecordedEvaluationResult {
  EvaluationResultIdentifier: {
    EvaluationResultQualifier: {
      ResourceType: string;
      ResourceId: string;
      EvaluationMode?: 'DETECTIVE' | 'PROACTIVE';
    };
    OrderingTimestamp: string;
    ResourceEvaluationId?: string;
  };
  ComplianceType: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';
  ResultRecordedTime: string;
  ConfigRuleInvokedTime: string;
  Annotation?: string;
  ResultToken?: string;
}

/** What a recorder records, as DescribeConfigurationRecorders writes it; `undefined` = no recorder at all. */
export interface RecorderSetup {
  name?: string;
  recording: boolean;
  recordingGroup?: Record<string, unknown>;
  recordingMode?: Record<string, unknown>;
}

export interface ConfigResponder {
  readonly endpoint: string;
  /** Puts an item in the inventory of its account and region (replacing one with the same type and id). */
  put(item: RecordedItem): void;
  /** Sets the recorder of an account and region (default: recording every supported type). */
  recorder(accountId: string, region: string, setup: RecorderSetup | undefined): void;
  /** Declares an organisation aggregator held by `accountId` in `region`, aggregating every account's items. */
  aggregator(name: string, accountId: string, region: string): void;
  /**
   * Declares the Config rule `ruleName` in an account and region with the evaluation results Config holds for it
   * (GetComplianceDetailsByConfigRule of a rule not declared fails with NoSuchConfigRuleException, as Config's does).
   */
  evaluationResults(
    accountId: string,
    region: string,
    ruleName: string,
    results: RecordedEvaluationResult[],
  ): void;
  /** Keys the next BatchGet… calls leave unprocessed, `times` times each (to exercise the client's re-asking). */
  leaveUnprocessed(resourceId: string, times: number): void;
  /** Requests answered here, by operation. */
  readonly calls: Readonly<Record<string, number>>;
  /** The input of every Config request of operation `op`, answered here or forwarded to moto, in order. */
  inputs(op: string): Record<string, unknown>[];
  /** The largest number of keys a BatchGet… request asked for. */
  readonly largestBatch: number;
  /** Forgets every item, recorder, aggregator, rule, request and count (not the learned credentials). */
  clear(): void;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'StarlingDoveService.';
/** The operations answered here; any other Config operation goes to moto. */
const ANSWERED = new Set([
  'DescribeConfigurationRecorders',
  'DescribeConfigurationRecorderStatus',
  'ListDiscoveredResources',
  'BatchGetResourceConfig',
  'ListAggregateDiscoveredResources',
  'BatchGetAggregateResourceConfig',
  'GetComplianceDetailsByConfigRule',
]);
/** GetComplianceDetailsByConfigRule's page when the request gives no Limit (or 0), and its largest. */
const COMPLIANCE_DEFAULT_LIMIT = 10;
const COMPLIANCE_MAX_LIMIT = 100;
const COMPLIANCE_TYPES = new Set(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']);
/** moto's account for credentials it did not issue. */
export const MOTO_DEFAULT_ACCOUNT = '123456789012';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Access key id and region of a SigV4-signed request. */
function signer(headers: IncomingHttpHeaders): { keyId: string; region: string } {
  const m = /Credential=([^/]+)\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''));
  return { keyId: m?.[1] ?? '', region: m?.[2] ?? 'us-east-1' };
}

/** JSON 1.1 writes timestamps as epoch seconds. */
const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

function wireResult(ruleName: string, r: RecordedEvaluationResult) {
  const id = r.EvaluationResultIdentifier;
  return {
    ...r,
    EvaluationResultIdentifier: {
      ...id,
      EvaluationResultQualifier: {
        ConfigRuleName: ruleName,
        EvaluationMode: 'DETECTIVE',
        ...id.EvaluationResultQualifier,
      },
      OrderingTimestamp: epoch(id.OrderingTimestamp),
    },
    ResultRecordedTime: epoch(r.ResultRecordedTime),
    ConfigRuleInvokedTime: epoch(r.ConfigRuleInvokedTime),
  };
}

function wire(item: RecordedItem) {
  return {
    ...item,
    configurationItemCaptureTime: epoch(item.configurationItemCaptureTime),
    ...(item.resourceCreationTime ? { resourceCreationTime: epoch(item.resourceCreationTime) } : {}),
  };
}

/**
 * Starts the responder on 127.0.0.1 with a free port.
 * @example
 * const config = await startConfigResponder({ upstream: moto.endpoint });
 * config.put(item);
 * const aws = new AwsClients({ region: 'us-east-1', endpoint: config.endpoint, credentials });
 */
export async function startConfigResponder(options: { upstream: string }): Promise<ConfigResponder> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const accountOfKey = new Map<string, string>();
  let items = new Map<string, Map<string, RecordedItem>>();
  let recorders = new Map<string, RecorderSetup | undefined>();
  let aggregators = new Map<string, { accountId: string; region: string }>();
  let unprocessed = new Map<string, number>();
  let rules = new Map<string, RecordedEvaluationResult[]>();
  let requests: { op: string; input: Record<string, unknown> }[] = [];
  let calls: Record<string, number> = {};
  let largestBatch = 0;

  const unitKey = (accountId: string, region: string) => `${accountId}|${region}`;
  const itemsOf = (accountId: string, region: string, type?: string) =>
    [...(items.get(unitKey(accountId, region))?.values() ?? [])].filter(
      (i) => !type || i.resourceType === type,
    );
  const allItems = (type: string) =>
    [...items.values()].flatMap((m) => [...m.values()]).filter((i) => i.resourceType === type);

  const json = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'content-length': Buffer.byteLength(text),
      ...(errorType ? { 'x-amzn-errortype': `${errorType}:` } : {}),
    });
    res.end(text);
  };
  const fail = (res: ServerResponse, code: string, message: string) =>
    json(res, 400, { __type: code, message }, code);

  /** Items of `keys`, the ones to leave unprocessed this time apart. */
  const batch = <K>(keys: K[], find: (k: K) => RecordedItem | undefined, idOf: (k: K) => string) => {
    largestBatch = Math.max(largestBatch, keys.length);
    const found: ReturnType<typeof wire>[] = [];
    const left: K[] = [];
    for (const key of keys) {
      const n = unprocessed.get(idOf(key)) ?? 0;
      if (n > 0) {
        unprocessed.set(idOf(key), n - 1);
        left.push(key);
        continue;
      }
      const item = find(key);
      if (item && item.configurationItemStatus !== 'ResourceDeleted') found.push(wire(item));
    }
    return { found, left };
  };

  const page = <T>(list: T[], limit: unknown, token: unknown) => {
    const size = Math.min(100, typeof limit === 'number' && limit > 0 ? limit : 100);
    const start = typeof token === 'string' ? Number(token) : 0;
    const next = start + size < list.length ? String(start + size) : undefined;
    return { slice: list.slice(start, start + size), next };
  };

  const answer = (
    res: ServerResponse,
    op: string,
    input: Record<string, unknown>,
    accountId: string,
    region: string,
  ) => {
    if (!ANSWERED.has(op)) return;
    calls[op] = (calls[op] ?? 0) + 1;
    const key = unitKey(accountId, region);
    const setup: RecorderSetup | undefined = recorders.has(key)
      ? recorders.get(key)
      : { recording: true, recordingGroup: { allSupported: true, includeGlobalResourceTypes: false } };
    switch (op) {
      case 'DescribeConfigurationRecorders':
        return json(res, 200, {
          ConfigurationRecorders: setup
            ? [
                {
                  name: setup.name ?? 'default',
                  roleARN: `arn:aws:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
                  recordingGroup: setup.recordingGroup ?? { allSupported: true },
                  recordingMode: setup.recordingMode ?? { recordingFrequency: 'CONTINUOUS' },
                },
              ]
            : [],
        });
      case 'DescribeConfigurationRecorderStatus':
        return json(res, 200, {
          ConfigurationRecordersStatus: setup
            ? [{ name: setup.name ?? 'default', recording: setup.recording, lastStatus: 'SUCCESS' }]
            : [],
        });
      case 'ListDiscoveredResources': {
        const type = String(input.resourceType ?? '');
        if (typeof input.limit === 'number' && input.limit > 100)
          return fail(res, 'ValidationException', 'limit must be at most 100.');
        const { slice, next } = page(itemsOf(accountId, region, type), input.limit, input.nextToken);
        return json(res, 200, {
          resourceIdentifiers: slice.map((i) => ({
            resourceType: i.resourceType,
            resourceId: i.resourceId,
            ...(i.resourceName ? { resourceName: i.resourceName } : {}),
          })),
          ...(next ? { nextToken: next } : {}),
        });
      }
      case 'BatchGetResourceConfig': {
        const keys = (input.resourceKeys ?? []) as { resourceType: string; resourceId: string }[];
        if (keys.length === 0 || keys.length > 100)
          return fail(
            res,
            'ValidationException',
            `resourceKeys must have 1 to 100 members, not ${keys.length}.`,
          );
        const { found, left } = batch(
          keys,
          (k) => items.get(unitKey(accountId, region))?.get(`${k.resourceType}|${k.resourceId}`),
          (k) => k.resourceId,
        );
        return json(res, 200, { baseConfigurationItems: found, unprocessedResourceKeys: left });
      }
      case 'ListAggregateDiscoveredResources':
      case 'BatchGetAggregateResourceConfig': {
        const name = String(input.ConfigurationAggregatorName ?? '');
        const holder = aggregators.get(name);
        if (!holder || holder.accountId !== accountId || holder.region !== region)
          return fail(
            res,
            'NoSuchConfigurationAggregatorException',
            `The configuration aggregator ${name} does not exist.`,
          );
        if (op === 'ListAggregateDiscoveredResources') {
          const { slice, next } = page(
            allItems(String(input.ResourceType ?? '')),
            input.Limit,
            input.NextToken,
          );
          return json(res, 200, {
            ResourceIdentifiers: slice.map((i) => ({
              SourceAccountId: i.accountId,
              SourceRegion: i.awsRegion,
              ResourceId: i.resourceId,
              ResourceType: i.resourceType,
              ...(i.resourceName ? { ResourceName: i.resourceName } : {}),
            })),
            ...(next ? { NextToken: next } : {}),
          });
        }
        const ids = (input.ResourceIdentifiers ?? []) as {
          SourceAccountId: string;
          SourceRegion: string;
          ResourceId: string;
          ResourceType: string;
        }[];
        if (ids.length === 0 || ids.length > 100)
          return fail(
            res,
            'ValidationException',
            `ResourceIdentifiers must have 1 to 100 members, not ${ids.length}.`,
          );
        const { found, left } = batch(
          ids,
          (k) =>
            items.get(unitKey(k.SourceAccountId, k.SourceRegion))?.get(`${k.ResourceType}|${k.ResourceId}`),
          (k) => k.ResourceId,
        );
        return json(res, 200, { BaseConfigurationItems: found, UnprocessedResourceIdentifiers: left });
      }
      case 'GetComplianceDetailsByConfigRule': {
        const name = input.ConfigRuleName;
        if (typeof name !== 'string' || name.length < 1 || name.length > 64)
          return fail(res, 'ValidationException', 'ConfigRuleName must be 1 to 64 characters.');
        const types = (input.ComplianceTypes ?? []) as unknown[];
        if (types.length > 3 || types.some((t) => !COMPLIANCE_TYPES.has(String(t))))
          return fail(
            res,
            'ValidationException',
            `ComplianceTypes must be at most 3 of ${[...COMPLIANCE_TYPES].join(', ')}.`,
          );
        const limit = input.Limit ?? 0;
        if (typeof limit !== 'number' || limit < 0 || limit > COMPLIANCE_MAX_LIMIT)
          return fail(res, 'ValidationException', `Limit must be 0 to ${COMPLIANCE_MAX_LIMIT}.`);
        const results = rules.get(`${key}|${name}`);
        if (!results)
          return fail(
            res,
            'NoSuchConfigRuleException',
            `The ConfigRule '${name}' provided in the request is invalid. Please check the configRule name.`,
          );
        const wanted = results.filter((r) => types.length === 0 || types.includes(r.ComplianceType));
        // A token is the index of the page's first result, as this responder wrote it.
        const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
        if (
          input.NextToken !== undefined &&
          (!Number.isInteger(start) || start <= 0 || start >= wanted.length)
        )
          return fail(res, 'InvalidNextTokenException', 'The nextToken provided is invalid.');
        const size = limit === 0 ? COMPLIANCE_DEFAULT_LIMIT : limit;
        const next = start + size < wanted.length ? String(start + size) : undefined;
        return json(res, 200, {
          EvaluationResults: wanted.slice(start, start + size).map((r) => wireResult(name, r)),
          ...(next ? { NextToken: next } : {}),
        });
      }
    }
  };

  const forward = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstreamResponse = await new Promise<IncomingMessage>((resolve, reject) => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          agent,
        },
        resolve,
      );
      out.on('error', reject);
      out.end(body);
    });
    const answerBody = await readBody(upstreamResponse);
    // An AssumeRole through here: the keys moto issued belong to the role's account.
    const text = body.toString();
    if (/(?:^|&)Action=AssumeRole(?:&|$)/.test(text)) {
      const roleArn = decodeURIComponent(/(?:^|&)RoleArn=([^&]+)/.exec(text)?.[1] ?? '');
      const account = /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1];
      const keyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answerBody.toString())?.[1];
      if (account && keyId) accountOfKey.set(keyId, account);
    }
    const headers = { ...upstreamResponse.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answerBody.length);
    res.writeHead(upstreamResponse.statusCode ?? 502, headers);
    res.end(answerBody);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target.startsWith(TARGET_PREFIX)) {
      const { keyId, region } = signer(req.headers);
      const accountId = accountOfKey.get(keyId) ?? MOTO_DEFAULT_ACCOUNT;
      const input = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      requests.push({ op: target.slice(TARGET_PREFIX.length), input });
      answer(res, target.slice(TARGET_PREFIX.length), input, accountId, region);
      if (res.headersSent) return;
    }
    await forward(req, res, body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    put(item) {
      const key = unitKey(item.accountId, item.awsRegion);
      const unit = items.get(key) ?? new Map<string, RecordedItem>();
      unit.set(`${item.resourceType}|${item.resourceId}`, item);
      items.set(key, unit);
    },
    recorder(accountId, region, setup) {
      recorders.set(unitKey(accountId, region), setup);
    },
    aggregator(name, accountId, region) {
      aggregators.set(name, { accountId, region });
    },
    evaluationResults(accountId, region, ruleName, results) {
      rules.set(`${unitKey(accountId, region)}|${ruleName}`, results);
    },
    inputs: (op) => requests.filter((r) => r.op === op).map((r) => r.input),
    leaveUnprocessed(resourceId, times) {
      unprocessed.set(resourceId, times);
    },
    get calls() {
      return calls;
    },
    get largestBatch() {
      return largestBatch;
    },
    clear() {
      items = new Map();
      recorders = new Map();
      aggregators = new Map();
      unprocessed = new Map();
      rules = new Map();
      requests = [];
      calls = {};
      largestBatch = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
