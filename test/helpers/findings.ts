import { fixture } from './fixtures';

type Json = Record<string, unknown>;

/**
 * Deep merge: objects merge key by key, anything else (lists included) replaces; `undefined` deletes a key (and is
 * kept as a deletion when the base has no such key, so merged patches still delete it later).
 */
export function merge<T>(base: T, patch: unknown): T {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch as T;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return patch as T;
  const out: Json = { ...(base as Json) };
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === undefined) {
      if (k in out && out[k] !== undefined) delete out[k];
      else out[k] = undefined;
    } else out[k] = merge(out[k], v);
  }
  return out as T;
}

/**
 * The detail of GuardDuty's generated sample `UnauthorizedAccess:EC2/SSHBruteForce` finding (corpus file
 * `guardduty/aws-samples__guardduty-waf-acl__gd2acl_test_event.json`), with `patch` merged in: tests derive every
 * other finding type from this real shape and say what they change.
 */
export function guardDutyDetail(patch: unknown = {}): Json {
  const event = fixture<{ detail: Json }>(
    'corpus/guardduty/aws-samples__guardduty-waf-acl__gd2acl_test_event.json',
  );
  return merge(
    merge(event.detail, { accountId: '123456789012', region: 'us-east-1', partition: 'aws' }),
    patch,
  );
}

/** The detail above in the EventBridge envelope GuardDuty uses (`awsdocs__guardduty_finding_event_envelope.txt`). */
export function guardDutyEvent(patch: unknown = {}, envelope: Json = {}): Json {
  return {
    version: '0',
    id: 'cd2d702e-ab31-411b-9344-793ce56b1bc7',
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: '123456789012',
    time: '2026-11-28T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: guardDutyDetail(patch),
    ...envelope,
  };
}

/** `service.action` of a port probe from each address, on `port`. */
export function portProbe(addresses: readonly string[], port = 22): Json {
  return {
    service: {
      action: {
        actionType: 'PORT_PROBE',
        networkConnectionAction: undefined,
        portProbeAction: {
          blocked: false,
          portProbeDetails: addresses.map((a) => ({
            localPortDetails: { port, portName: 'SSH' },
            remoteIpDetails: a.includes(':') ? { ipAddressV6: a } : { ipAddressV4: a },
          })),
        },
      },
    },
  };
}

/** PascalCase keys, as GuardDuty's GetFindings prints findings through the AWS CLI. */
export function pascalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [
      /^[a-z]/.test(k) ? k[0]!.toUpperCase() + k.slice(1) : k,
      pascalKeys(v),
    ]),
  );
}
