import { AwsClients, type AwsService, type ClientOptions, type ServiceName } from '../shared/aws/clients';
import { publicAccessBlockFromAnyCase } from '../shared/collectors/reads/s3control';
import type { EvaluationSnapshot } from '../shared/collectors/snapshot-reader';

/**
 * An AWS account held in memory behind the real SDK clients: every request goes through the client's whole
 * middleware stack (serialisation, endpoint resolution, SigV4 signing, retries, response parsing) and only the
 * HTTP round trip is replaced by an answer built from an {@link EvaluationSnapshot}. This is what a rule Lambda
 * pays per call, minus the network, so the "Lambda path" figures are not flattered by a stubbed `send`.
 */

interface HttpRequestLike {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return decoder.decode(body);
  return String(body);
}

/** JSON 1.1 bodies write timestamps as epoch seconds. */
function awsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * EC2's Query-protocol XML of SDK-shaped values: each member as its camelCase element (`VpcId` → `<vpcId>`, `Tags`
 * → `<tagSet>`), lists as `<item>`s, dates as ISO text; what the SDK's EC2 parser reads back into the same shape.
 */
function ec2Xml(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return ec2Items(value);
  if (value === null || typeof value !== 'object') return xmlEscape(String(value));
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const name = key === 'Tags' ? 'tagSet' : key.charAt(0).toLowerCase() + key.slice(1);
    out += `<${name}>${ec2Xml(v)}</${name}>`;
  }
  return out;
}

const ec2Items = (list: readonly unknown[]) => list.map((item) => `<item>${ec2Xml(item)}</item>`).join('');

const json = (body: unknown, statusCode = 200): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: encoder.encode(awsJson(body)),
});

const xml = (body: string, statusCode = 200): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'text/xml' },
  body: encoder.encode(`<?xml version="1.0" encoding="UTF-8"?>${body}`),
});

/** The snapshot an invocation sees, and how many calls of each operation it made. */
export class InMemoryAccount {
  /** What the account holds; replace it between invocations to change accounts. */
  snapshot: EvaluationSnapshot = {};
  /** `service:Operation` → calls, counted by the clients' `onCall` hook. */
  readonly calls = new Map<string, number>();

  count(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  /** The answer to one request; an operation the benchmark does not expect fails loudly. */
  answer(service: ServiceName, request: HttpRequestLike): HttpAnswer {
    const target = request.headers['x-amz-target'] ?? '';
    const operation = target
      ? (target.split('.').pop() ?? '')
      : (new URLSearchParams(bodyText(request.body)).get('Action') ?? request.path);
    const s = this.snapshot;
    switch (`${service}:${operation}`) {
      case 'config:PutEvaluations':
        return json({ FailedEvaluations: [] });
      case 'config:GetComplianceDetailsByConfigRule':
        return json({ EvaluationResults: [] });
      case 'iam:GetAccountSummary': {
        const present = s.accountAccessKeysPresent;
        const entries = {
          Users: 12,
          ...(present === undefined ? {} : { AccountAccessKeysPresent: present }),
        };
        return xml(
          `<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap>${Object.entries(entries)
            .map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`)
            .join('')}</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>`,
        );
      }
      case 'iam:GenerateCredentialReport':
        return xml(
          '<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>COMPLETE</State></GenerateCredentialReportResult></GenerateCredentialReportResponse>',
        );
      case 'iam:GetCredentialReport':
        return xml(
          `<GetCredentialReportResponse><GetCredentialReportResult><Content>${Buffer.from(
            s.credentialReport ?? '',
          ).toString(
            'base64',
          )}</Content><ReportFormat>text/csv</ReportFormat></GetCredentialReportResult></GetCredentialReportResponse>`,
        );
      case 'cloudtrail:DescribeTrails':
        return json({ trailList: s.trails ?? [] });
      case 'cloudtrail:GetTrailStatus': {
        const name = (JSON.parse(bodyText(request.body)) as { Name: string }).Name;
        return json(s.trailStatus?.[name] ?? { IsLogging: false });
      }
      case 'cloudtrail:GetEventSelectors': {
        const name = (JSON.parse(bodyText(request.body)) as { TrailName: string }).TrailName;
        return json({ TrailARN: name, ...(s.eventSelectors?.[name] ?? {}) });
      }
      case 'ec2:DescribeVpcs':
        return xml(
          `<DescribeVpcsResponse><requestId>bench</requestId><vpcSet>${ec2Items(s.vpcs ?? [])}</vpcSet></DescribeVpcsResponse>`,
        );
      case 'ec2:DescribeFlowLogs':
        return xml(
          `<DescribeFlowLogsResponse><requestId>bench</requestId><flowLogSet>${ec2Items(s.flowLogs ?? [])}</flowLogSet></DescribeFlowLogsResponse>`,
        );
      case 'ec2:GetManagedPrefixListEntries': {
        const id = new URLSearchParams(bodyText(request.body)).get('PrefixListId') ?? '';
        const cidrs = s.prefixLists?.[id];
        if (!cidrs)
          return xml(
            `<Response><Errors><Error><Code>InvalidPrefixListID.NotFound</Code><Message>The prefix list ID '${xmlEscape(id)}' does not exist</Message></Error></Errors><RequestID>bench</RequestID></Response>`,
            400,
          );
        return xml(
          `<GetManagedPrefixListEntriesResponse><requestId>bench</requestId><entrySet>${cidrs
            .map((c) => `<item><cidr>${xmlEscape(c)}</cidr></item>`)
            .join('')}</entrySet></GetManagedPrefixListEntriesResponse>`,
        );
      }
      default:
        if (service === 'guardduty') return this.guardDuty(request.path);
        if (service === 's3control' && request.path.endsWith('/configuration/publicAccessBlock')) {
          const flags = publicAccessBlockFromAnyCase(s.accountPublicAccessBlock ?? null);
          if (!flags)
            return xml(
              '<ErrorResponse><Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>The public access block configuration was not found</Message></Error></ErrorResponse>',
              404,
            );
          return xml(
            `<PublicAccessBlockConfiguration>${Object.entries(flags)
              .map(([k, v]) => `<${k}>${v}</${k}>`)
              .join('')}</PublicAccessBlockConfiguration>`,
          );
        }
        throw new Error(`The in-memory account does not answer ${service} ${operation}.`);
    }
  }

  /** GuardDuty's REST API: ListDetectors, GetDetector and GetAdministratorAccount, in its camelCase JSON. */
  private guardDuty(path: string): HttpAnswer {
    const s = this.snapshot;
    const [, detector, id, what] = path.split('/');
    if (detector === 'detector' && id === undefined) return json({ detectorIds: s.detectorIds ?? [] });
    const d = id === undefined ? undefined : s.detectors?.[decodeURIComponent(id)];
    if (detector === 'detector' && d && what === undefined)
      return json({
        createdAt: d.CreatedAt,
        updatedAt: d.UpdatedAt,
        serviceRole: d.ServiceRole,
        status: d.Status,
        findingPublishingFrequency: d.FindingPublishingFrequency,
        tags: d.Tags,
      });
    if (detector === 'detector' && d && what === 'administrator') {
      const a = s.administrators?.[decodeURIComponent(id as string)];
      return json(
        a ? { administrator: { accountId: a.AccountId, relationshipStatus: a.RelationshipStatus } } : {},
      );
    }
    return json(
      {
        message: `The request is rejected because the input detectorId is not owned by the current account.`,
        __type: 'BadRequestException',
      },
      400,
    );
  }
}

/**
 * {@link AwsClients} whose clients answer from an {@link InMemoryAccount}. Like the deployed handler, which makes a
 * new `AwsClients` per invocation, the benchmark makes one per invocation too. With `inMemory`, only those
 * services answer from memory; the others go to the configured endpoint (e.g. moto_server).
 * @example
 * const account = new InMemoryAccount();
 * const handler = createConfigRuleHandler(rule, { clients: (region) => new InMemoryClients(account, { region }) });
 */
export class InMemoryClients extends AwsClients {
  private readonly wired = new WeakSet<object>();

  constructor(
    private readonly account: InMemoryAccount,
    options: ClientOptions,
    private readonly inMemory?: readonly ServiceName[],
  ) {
    super({
      credentials: { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark' },
      onCall: (service, operation) => account.count(service, operation),
      ...options,
    });
  }

  override get<C>(service: AwsService<C>): C {
    const client = super.get(service);
    const sdk = client as { config: { requestHandler: unknown } };
    if (!this.wired.has(sdk) && (!this.inMemory || this.inMemory.includes(service.name))) {
      // The SDK reads `config.requestHandler` when a command is sent: replacing it swaps only the transport.
      sdk.config.requestHandler = {
        handle: async (request: HttpRequestLike) => ({
          response: this.account.answer(service.name, request),
        }),
      };
      this.wired.add(sdk);
    }
    return client;
  }

  override inRegion(region: string): AwsClients {
    return new InMemoryClients(this.account, { ...this.options, region }, this.inMemory);
  }

  override withCredentials(): AwsClients {
    return new InMemoryClients(this.account, this.options, this.inMemory);
  }
}
