import { createHash, randomUUID } from 'node:crypto';
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
import type { RetryOptions } from '../../shared/aws/clients';

/**
 * Client retry timing for tests through the proxy: the SDK's backoff delays divided by 100, and an adaptive rate
 * limiter whose floor (500 requests/s) a loopback never reaches. The strategy is the product's own (adaptive, the
 * quota refunded on answered errors); only its clock is faster, so thousands of retries stay fast.
 */
export const FAST_RETRY: RetryOptions = {
  delayScale: 0.01,
  rateLimiter: { minFillRate: 500, minCapacity: 500 },
};

/**
 * What the proxy can do to one request:
 * - `throttle`: answers without forwarding, with the service's own throttling error (EC2 `RequestLimitExceeded`
 *   503, S3 `SlowDown` 503, awsQuery `Throttling` 400, JSON `ThrottlingException` 400);
 * - `server-error`: answers 500 `InternalError` (in the service's protocol) without forwarding;
 * - `unavailable`: answers 503 `ServiceUnavailable` without forwarding;
 * - `reset`: destroys the connection before forwarding (nothing reached the service);
 * - `lost-answer`: forwards, waits for the service's answer, then destroys the connection (the change was applied
 *   upstream, the caller never learns it);
 * - `slow`: forwards after a delay of up to `slowMs`.
 */
export type FaultKind = 'throttle' | 'server-error' | 'unavailable' | 'reset' | 'lost-answer' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'server-error',
  'unavailable',
  'reset',
  'lost-answer',
  'slow',
];

/** The wire protocol of a request, which decides what an error body looks like. */
export type WireProtocol = 'ec2' | 'query' | 'json' | 's3' | 's3control';

/** One request as the proxy saw it, for `shouldFault` and the log. */
export interface ProxiedRequest {
  method: string;
  url: string;
  /** The SigV4 signing name (`ec2`, `s3`, `iam`, `config`, …), from the Authorization header. */
  service: string;
  /** The SigV4 signing region, from the Authorization header. */
  region: string;
  protocol: WireProtocol;
  /** `Action=` of a query request, `X-Amz-Target` of a JSON one, `METHOD path` for S3. */
  operation: string;
  /** The SDK's attempt number of this call (`amz-sdk-request: attempt=N`), 1 for the first. */
  attempt: number;
  body: Buffer;
}

/** An answer a test scripts: an error (`code`) in the request's protocol, or a success with `body` as is. */
export type ScriptedAnswer =
  | { status: number; code: string; message?: string }
  | { status: number; body: string; contentType?: string };

export interface FaultProxyOptions {
  /** Where requests go when they are not faulted (moto_server's endpoint). */
  upstream: string;
  /** The seed of every decision: the same seed and the same requests give the same faults, whatever the timing. */
  seed: number | string;
  /** Probability that a request gets a fault, 0..1. */
  rate: number;
  /** Relative weights of the kinds (default: all six equally). A kind with weight 0 is never injected. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Upper bound of a `slow` delay in ms (default 25: tests stay fast). */
  slowMs?: number;
  /** Only requests this accepts may be faulted (default: every request). */
  shouldFault?: (request: ProxiedRequest) => boolean;
  /**
   * A scripted error for a request (an `AccessDenied` on one resource, say), answered in the request's protocol
   * without forwarding; `undefined` lets the request through to the random faults. Counted in `scripted`.
   */
  script?: (request: ProxiedRequest) => ScriptedAnswer | undefined;
  /** Called with each request the upstream answered (a `lost-answer` included: the upstream did receive it). */
  onForwarded?: (request: ProxiedRequest, status: number) => void;
  /** Holds a request until the promise it returns settles (a gate a test opens when it is ready). */
  hold?: (request: ProxiedRequest) => Promise<void> | undefined;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Faults injected so far, by kind. */
  readonly injected: Readonly<Record<FaultKind, number>>;
  /** Faults injected so far, by service and kind. */
  readonly injectedByService: Readonly<Record<string, Partial<Record<FaultKind, number>>>>;
  /** Scripted errors answered so far. */
  readonly scripted: number;
  /** Requests received so far (faulted or not). */
  readonly requests: number;
  /** Requests received so far, by `service:operation`. */
  readonly requestsByOperation: Readonly<Record<string, number>>;
  /** Changes the fault rate from now on (0 turns faults off). */
  setRate(rate: number): void;
  /** Zeroes the counters and forgets which requests were seen (decisions start over for the same seed). */
  resetCounts(): void;
  close(): Promise<void>;
}

/** The SigV4 signing name of a request (`Credential=AKID/date/region/SERVICE/aws4_request`). */
function signingName(headers: IncomingHttpHeaders): string {
  const auth = headers.authorization ?? '';
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(auth)?.[1] ?? 'unknown';
}

function classify(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): ProxiedRequest {
  const service = signingName(headers);
  const region = /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(headers.authorization ?? '')?.[1] ?? 'unknown';
  const contentType = String(headers['content-type'] ?? '');
  let protocol: WireProtocol;
  let operation: string;
  if (contentType.startsWith('application/x-amz-json')) {
    protocol = 'json';
    operation =
      String(headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
  } else if (contentType.startsWith('application/x-www-form-urlencoded') && service !== 's3') {
    protocol = service === 'ec2' ? 'ec2' : 'query';
    operation = /(?:^|&)Action=([^&]+)/.exec(body.toString())?.[1] ?? 'unknown';
  } else if (url.startsWith('/v20180820/')) {
    protocol = 's3control';
    operation = `${method} ${url.split('?')[0]}`;
  } else {
    protocol = 's3';
    const query = url.split('?')[1]?.split('&')[0]?.split('=')[0];
    operation = `${method} ${query ? `?${query}` : url.split('/').length > 2 ? 'object' : 'bucket'}`;
  }
  const attempt = Number(/attempt=(\d+)/.exec(String(headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
  return { method, url, service, region, protocol, operation, attempt, body };
}

interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An error answer as the service would write it: the same code in each protocol's own envelope. */
export function errorAnswer(
  protocol: WireProtocol,
  status: number,
  code: string,
  message: string,
  requestId: string,
): ErrorAnswer {
  switch (protocol) {
    case 'ec2':
      return {
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'query':
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'json':
      return {
        status,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': `${code}:`,
        },
        body: JSON.stringify({ __type: code, message }),
      };
    case 's3control':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 's3':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`,
      };
  }
}

/** The service's own throttling answer. */
function throttling(protocol: WireProtocol, requestId: string): ErrorAnswer {
  switch (protocol) {
    case 'ec2':
      return errorAnswer(protocol, 503, 'RequestLimitExceeded', 'Request limit exceeded.', requestId);
    case 's3':
    case 's3control':
      return errorAnswer(protocol, 503, 'SlowDown', 'Please reduce your request rate.', requestId);
    case 'query':
      return errorAnswer(protocol, 400, 'Throttling', 'Rate exceeded', requestId);
    case 'json':
      return errorAnswer(protocol, 400, 'ThrottlingException', 'Rate exceeded', requestId);
  }
}

/** A number in [0, 1) from the seed and a key: the same key always gives the same number. */
function uniform(seed: string, key: string): number {
  return createHash('sha256').update(`${seed}\0${key}`).digest().readUInt32BE(0) / 2 ** 32;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A fault-injecting loopback HTTP proxy for tests: point the SDK at its `endpoint` (the endpoint override) and it
 * forwards to `upstream` (moto_server), injecting faults into a share `rate` of the requests.
 *
 * Each decision is a hash of the seed, the request's service, operation and path (an S3 bucket's name is in its
 * path) and how many requests with those were seen before. So it depends neither on the ids the emulator makes up
 * nor on the order in which concurrent reads of different buckets arrive: a seed reproduces a run exactly, and a
 * retried request gets a fresh decision. Requests to `/moto-api/` (the emulator's reset) are never faulted.
 *
 * @example
 * const proxy = await startFaultProxy({ upstream: moto.endpoint, seed: 7, rate: 0.2 });
 * const aws = new AwsClients({ region: 'us-east-1', endpoint: proxy.endpoint, credentials });
 * await scanAccount({ rules, clients: aws }); // every call through the faults
 * proxy.injected; // → { throttle: 41, 'server-error': 38, … }
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const seed = String(options.seed);
  const slowMs = options.slowMs ?? 25;
  const weights = FAULT_KINDS.map((k) => Math.max(0, options.weights?.[k] ?? 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  let rate = options.rate;
  const seen = new Map<string, number>();
  const injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let injectedByService: Record<string, Partial<Record<FaultKind, number>>> = {};
  let requestsByOperation: Record<string, number> = {};
  let requests = 0;
  let scripted = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const decide = (r: ProxiedRequest): { kind?: FaultKind; roll: number } => {
    // Not the body: it holds ids the emulator makes up (sg-…) and times, which differ from run to run.
    const key = `${r.service} ${r.operation} ${r.method} ${r.url.split('?')[0]}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const roll = uniform(seed, `${key} #${n}`);
    if (r.url.startsWith('/moto-api') || roll >= rate || totalWeight === 0) return { roll };
    if (options.shouldFault && !options.shouldFault(r)) return { roll };
    let pick = uniform(seed, `${key} #${n} kind`) * totalWeight;
    for (let i = 0; i < FAULT_KINDS.length; i++) {
      pick -= weights[i] as number;
      if (pick < 0) return { kind: FAULT_KINDS[i], roll };
    }
    return { kind: FAULT_KINDS[FAULT_KINDS.length - 1], roll };
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host };
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent,
        },
        resolve,
      );
      out.on('error', reject);
      out.end(body);
    });

  const answer = (res: ServerResponse, a: ErrorAnswer) => {
    res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
    res.end(a.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const r = classify(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    requests++;
    const op = `${r.service}:${r.operation}`;
    requestsByOperation[op] = (requestsByOperation[op] ?? 0) + 1;
    if (!r.url.startsWith('/moto-api')) await options.hold?.(r);
    const scriptedError = r.url.startsWith('/moto-api') ? undefined : options.script?.(r);
    if (scriptedError) {
      scripted++;
      return answer(
        res,
        'body' in scriptedError
          ? {
              status: scriptedError.status,
              headers: { 'content-type': scriptedError.contentType ?? 'application/x-amz-json-1.1' },
              body: scriptedError.body,
            }
          : errorAnswer(
              r.protocol,
              scriptedError.status,
              scriptedError.code,
              scriptedError.message ?? scriptedError.code,
              randomUUID(),
            ),
      );
    }
    const { kind, roll } = decide(r);
    if (kind) {
      injected[kind]++;
      const perService = injectedByService[r.service] ?? {};
      perService[kind] = (perService[kind] ?? 0) + 1;
      injectedByService[r.service] = perService;
    }
    const requestId = randomUUID();
    switch (kind) {
      case 'throttle':
        return answer(res, throttling(r.protocol, requestId));
      case 'server-error':
        return answer(
          res,
          errorAnswer(r.protocol, 500, 'InternalError', 'We encountered an internal error.', requestId),
        );
      case 'unavailable':
        return answer(
          res,
          errorAnswer(
            r.protocol,
            503,
            'ServiceUnavailable',
            'Service is unable to handle request.',
            requestId,
          ),
        );
      case 'reset':
        req.socket.destroy();
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, Math.floor((roll / rate) * slowMs)));
        break;
      default:
        break;
    }
    const upstreamResponse = await forward(req, body);
    const answerBody = await readBody(upstreamResponse);
    options.onForwarded?.(r, upstreamResponse.statusCode ?? 0);
    if (kind === 'lost-answer') {
      req.socket.destroy();
      return;
    }
    const headers = { ...upstreamResponse.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answerBody.length);
    res.writeHead(upstreamResponse.statusCode ?? 502, headers);
    res.end(answerBody);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The upstream failed (moto stopped): the caller sees a reset, as it would from a dead endpoint.
      req.socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get injected() {
      return injected;
    },
    get injectedByService() {
      return injectedByService;
    },
    get requests() {
      return requests;
    },
    get scripted() {
      return scripted;
    },
    get requestsByOperation() {
      return requestsByOperation;
    },
    setRate(next) {
      rate = next;
    },
    resetCounts() {
      for (const k of FAULT_KINDS) injected[k] = 0;
      injectedByService = {};
      requestsByOperation = {};
      requests = 0;
      scripted = 0;
      seen.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Total of a fault count. */
export function totalFaults(counts: Readonly<Partial<Record<FaultKind, number>>>): number {
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
}
