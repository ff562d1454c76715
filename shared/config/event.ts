import { MalformedEventError } from '../errors';
import { isoFormTime, parseMaybeJson } from './configuration-item';

export interface OversizedSummary {
  resourceType: string;
  resourceId: string;
  awsRegion?: string;
  accountId: string;
  configurationItemStatus: string;
  captureTime: Date;
}

export type InvokingEvent =
  | {
      messageType: 'ConfigurationItemChangeNotification';
      configurationItem: unknown;
      notificationCreationTime?: Date;
    }
  | {
      messageType: 'OversizedConfigurationItemChangeNotification';
      configurationItemSummary: OversizedSummary;
      notificationCreationTime?: Date;
    }
  | { messageType: 'ScheduledNotification'; notificationCreationTime: Date };

/** The Lambda event AWS Config sends to a custom rule, parsed and checked. */
export interface ConfigRuleEvent {
  configRuleName: string;
  configRuleArn?: string;
  accountId: string;
  resultToken: string;
  eventLeftScope: boolean;
  executionRoleArn?: string;
  /** Config's `InputParameters`: a JSON object of string values. */
  ruleParameters: Record<string, unknown>;
  invokingEvent: InvokingEvent;
}

export const TEST_MODE_TOKEN = 'TESTMODE';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonField(value: unknown, field: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (typeof value !== 'string')
    throw new MalformedEventError(`${field} must be a JSON string, got ${typeof value}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
    // JSON text encoded once more is still the same object (a relay may re-encode it): decoded, twice at most.
    for (let i = 0; i < 2 && typeof parsed === 'string'; i++) parsed = JSON.parse(parsed);
  } catch (cause) {
    // V8 quotes the offending input in its message; a hand-edited file may span lines, the error must not.
    const reason = (cause as Error).message.replace(/\r?\n/g, '\\n');
    throw new MalformedEventError(`${field} is not valid JSON: ${reason}.`, { cause });
  }
  if (!isRecord(parsed)) throw new MalformedEventError(`${field} must encode a JSON object.`);
  return parsed;
}

function requireString(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (v !== undefined && v !== null && typeof v !== 'string')
    throw new MalformedEventError(`${where}.${key} must be a string, got ${typeof v}.`);
  if (typeof v !== 'string' || v.length === 0)
    throw new MalformedEventError(`${where}.${key} is missing or empty.`);
  return v;
}

function date(value: unknown, where: string): Date {
  const iso = typeof value === 'string' ? isoFormTime(value) : Number.NaN;
  if (!Number.isNaN(iso)) return new Date(iso);
  const d = new Date(typeof value === 'number' ? value : String(value));
  if (value === undefined || value === null || Number.isNaN(d.getTime()))
    throw new MalformedEventError(`${where} is not a date: ${JSON.stringify(value)}.`);
  return d;
}

function parseInvokingEvent(raw: Record<string, unknown>): InvokingEvent {
  const messageType = raw.messageType;
  const created =
    raw.notificationCreationTime === undefined
      ? undefined
      : date(raw.notificationCreationTime, 'invokingEvent.notificationCreationTime');
  switch (messageType) {
    case 'ConfigurationItemChangeNotification': {
      // An object, or its JSON text (the way SelectResourceConfig writes items).
      const item = parseMaybeJson(raw.configurationItem);
      if (!isRecord(item))
        throw new MalformedEventError(
          'invokingEvent.configurationItem is missing for a ConfigurationItemChangeNotification.',
        );
      return { messageType, configurationItem: item, notificationCreationTime: created };
    }
    case 'OversizedConfigurationItemChangeNotification': {
      const s = parseMaybeJson(raw.configurationItemSummary);
      if (!isRecord(s))
        throw new MalformedEventError(
          'invokingEvent.configurationItemSummary is missing for an OversizedConfigurationItemChangeNotification.',
        );
      const where = 'invokingEvent.configurationItemSummary';
      return {
        messageType,
        notificationCreationTime: created,
        configurationItemSummary: {
          resourceType: requireString(s, 'resourceType', where),
          resourceId: requireString(s, 'resourceId', where),
          awsRegion: typeof s.awsRegion === 'string' ? s.awsRegion : undefined,
          accountId: requireString(s, 'awsAccountId', where),
          configurationItemStatus: requireString(s, 'configurationItemStatus', where),
          captureTime: date(s.configurationItemCaptureTime, `${where}.configurationItemCaptureTime`),
        },
      };
    }
    case 'ScheduledNotification':
      if (!created) throw new MalformedEventError('invokingEvent.notificationCreationTime is missing.');
      return { messageType, notificationCreationTime: created };
    case undefined:
    case null:
    case '':
      throw new MalformedEventError(
        'invokingEvent.messageType is missing: AWS Config always sends one, so this is not an event from Config.',
      );
    default:
      throw new MalformedEventError(
        `invokingEvent.messageType ${JSON.stringify(messageType)} is not one of ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification, ScheduledNotification.`,
      );
  }
}

const NO_PARAMETERS: Record<string, unknown> = Object.freeze({});
/** Parameters by their text: a rule's Lambda sees the same few texts on every invocation. */
const parametersByText = new Map<string, Record<string, unknown>>();
const MAX_PARAMETER_TEXTS = 64;

/**
 * `ruleParameters` as Config sends it (JSON text), parsed once per text and frozen, so the parameters parsed from it
 * can be kept too (shared/params.ts keeps those of frozen inputs).
 */
function parametersOfText(text: string): Record<string, unknown> {
  let parsed = parametersByText.get(text);
  if (!parsed) {
    parsed = Object.freeze(parseJsonField(text, 'ruleParameters'));
    if (parametersByText.size >= MAX_PARAMETER_TEXTS) parametersByText.clear();
    parametersByText.set(text, parsed);
  }
  return parsed;
}

/**
 * Parses and checks the Lambda event of a custom Config rule.
 * @throws MalformedEventError naming the field that is wrong.
 * @example
 * const event = parseConfigRuleEvent(lambdaEvent);
 * if (event.invokingEvent.messageType === 'ScheduledNotification') …
 */
export function parseConfigRuleEvent(raw: unknown): ConfigRuleEvent {
  if (!isRecord(raw)) throw new MalformedEventError('The event is not a JSON object.');
  const invokingEvent = parseInvokingEvent(parseJsonField(raw.invokingEvent, 'invokingEvent'));
  const ruleParameters =
    raw.ruleParameters === undefined || raw.ruleParameters === ''
      ? NO_PARAMETERS
      : typeof raw.ruleParameters === 'string'
        ? parametersOfText(raw.ruleParameters)
        : parseJsonField(raw.ruleParameters, 'ruleParameters');
  const accountId = requireString(raw, 'accountId', 'event');
  if (!/^\d{12}$/.test(accountId))
    throw new MalformedEventError(`event.accountId ${accountId} is not a 12-digit account id.`);
  // A boolean; as text ("true"/"false") it is the same value, anything else is not an event from Config.
  const leftScope =
    typeof raw.eventLeftScope === 'string' ? raw.eventLeftScope.trim().toLowerCase() : raw.eventLeftScope;
  if (
    leftScope !== undefined &&
    leftScope !== true &&
    leftScope !== false &&
    leftScope !== 'true' &&
    leftScope !== 'false'
  )
    throw new MalformedEventError('event.eventLeftScope must be a boolean.');
  return {
    configRuleName: requireString(raw, 'configRuleName', 'event'),
    configRuleArn: typeof raw.configRuleArn === 'string' ? raw.configRuleArn : undefined,
    accountId,
    resultToken: requireString(raw, 'resultToken', 'event'),
    eventLeftScope: leftScope === true || leftScope === 'true',
    executionRoleArn: typeof raw.executionRoleArn === 'string' ? raw.executionRoleArn : undefined,
    ruleParameters,
    invokingEvent,
  };
}

/**
 * Partition and region of the rule, from its ARN (`arn:aws-cn:config:cn-north-1:…`), else the Lambda's.
 * @example
 * ruleLocation(event, process.env.AWS_REGION ?? 'us-east-1'); // → { partition: 'aws-cn', region: 'cn-north-1' }
 */
export function ruleLocation(
  event: ConfigRuleEvent,
  fallbackRegion: string,
): { partition: string; region: string } {
  const m = /^arn:([^:]+):config:([^:]+):/.exec(event.configRuleArn ?? '');
  return { partition: m?.[1] ?? 'aws', region: m?.[2] ?? fallbackRegion };
}
