import { GetItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { AwsClients } from '../aws/clients';
import { DynamoDB } from '../aws/services/dynamodb';
import { awsErrorName, PlaybookRefusedError } from '../errors';
import type { ApiCall } from './calls';

/**
 * The incident state table: one item per key (`nacl#acl-…`, `ipset#<arn>`, `isolation#i-…`) holding a JSON document
 * and a version. Every write is conditional on the version read, so two concurrent runs cannot both write from the
 * same state: the loser re-reads and re-plans. The table has one string partition key, `pk`.
 */
export const DEFAULT_STATE_TABLE = 'rebaseline-incident-state';

export interface Versioned<T> {
  /** 0 when the item does not exist yet. */
  version: number;
  data: T | undefined;
}

/**
 * Reads an item (strongly consistent).
 * @throws PlaybookRefusedError when the table does not exist, saying how to create it.
 */
export async function readState<T>(aws: AwsClients, table: string, key: string): Promise<Versioned<T>> {
  try {
    const out = await aws
      .get(DynamoDB)
      .send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }));
    if (!out.Item) return { version: 0, data: undefined };
    return { version: Number(out.Item.version?.N ?? '0'), data: JSON.parse(out.Item.data?.S ?? 'null') as T };
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException')
      throw new PlaybookRefusedError(
        `The incident state table ${table} does not exist in this account and region: deploy the stack (it creates it), or create a DynamoDB table with the string partition key "pk" and pass its name (--state-table). Nothing was changed.`,
        { cause: error },
      );
    throw error;
  }
}

/** The conditional write of a new version, as a call (it is part of the step's plan and of its record). */
export function writeStateCall(
  table: string,
  key: string,
  read: Versioned<unknown>,
  data: unknown,
  why: string,
  now: Date,
): ApiCall {
  const input: PutItemCommandInput = {
    TableName: table,
    Item: {
      pk: { S: key },
      version: { N: String(read.version + 1) },
      updatedAt: { S: now.toISOString() },
      data: { S: JSON.stringify(data) },
    },
    ...(read.version === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: 'version = :read',
          ExpressionAttributeValues: { ':read': { N: String(read.version) } },
        }),
  };
  return {
    service: 'dynamodb',
    api: 'PutItem',
    resource: `${table}/${key}`,
    inputs: input as unknown as Record<string, unknown>,
    why,
  };
}

/** True for the error of a conditional write that lost the race (another run wrote first). */
export function lostRace(error: unknown): boolean {
  return awsErrorName(error) === 'ConditionalCheckFailedException';
}
