import type { FromSchema } from 'json-schema-to-ts';

/**
 * JSON Schema of `remediations/<id>/remediation.json`, and the source of its type: `npm run generate` writes it to
 * `shared/remediation.schema.json` for editors (`$schema`).
 */
export const REMEDIATION_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://rebaseline.dev/schemas/remediation.json',
  title:
    'rebaseline remediation metadata (remediations/<id>/remediation.json), generated from shared/schemas/remediation.ts',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'description', 'rules', 'document', 'parameters', 'iam'],
  properties: {
    $schema: {
      type: 'string',
    },
    id: {
      type: 'string',
      pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
      maxLength: 64,
    },
    title: {
      type: 'string',
      minLength: 10,
      maxLength: 120,
    },
    description: {
      type: 'string',
      minLength: 20,
      pattern: '\\.$',
    },
    rules: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: 'string',
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
      },
    },
    document: {
      const: 'document.yaml',
    },
    parameters: {
      type: 'object',
      minProperties: 1,
      propertyNames: {
        pattern: '^[A-Za-z0-9_]+$',
      },
      additionalProperties: {
        $ref: '#/definitions/parameterSource',
      },
    },
    iam: {
      $ref: '#/definitions/statements',
    },
    lambda: {
      type: 'object',
      additionalProperties: false,
      required: ['handler', 'iam', 'timeoutSeconds', 'modes', 'payload'],
      properties: {
        handler: {
          const: 'handler.ts',
        },
        iam: {
          $ref: '#/definitions/statements',
        },
        timeoutSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: 900,
        },
        crossAccount: {
          enum: ['executionRole', 'ownCredentials'],
        },
        modes: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: {
            enum: ['plan', 'apply', 'verify'],
          },
        },
        payload: {
          type: 'object',
          additionalProperties: false,
          required: ['properties'],
          properties: {
            required: {
              type: 'array',
              uniqueItems: true,
              items: {
                type: 'string',
              },
            },
            properties: {
              type: 'object',
              propertyNames: {
                pattern: '^[A-Za-z0-9_]+$',
                not: {
                  enum: ['Mode', 'AccountId', 'DryRun'],
                },
              },
              additionalProperties: {
                $ref: '#/definitions/payloadField',
              },
            },
          },
        },
        accountFields: {
          type: 'array',
          uniqueItems: true,
          items: {
            type: 'string',
            pattern: '^[A-Za-z0-9_]+$',
          },
        },
        regionField: {
          type: 'string',
          pattern: '^[A-Za-z0-9_]+$',
        },
      },
    },
  },
  definitions: {
    parameterSource: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['source'],
          properties: {
            source: {
              enum: ['resourceId', 'assumeRole', 'lambda', 'accountId'],
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'ruleParameter'],
          properties: {
            source: {
              const: 'ruleParameter',
            },
            ruleParameter: {
              type: 'string',
              pattern: '^[a-z][A-Za-z0-9]*$',
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'default'],
          properties: {
            source: {
              const: 'static',
            },
            default: {
              type: 'string',
            },
            stageParameter: {
              type: 'string',
              pattern: '^[a-z][A-Za-z0-9]*$',
            },
          },
        },
      ],
    },
    statements: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['actions', 'resources', 'reason'],
        properties: {
          actions: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: {
              type: 'string',
              pattern: '^[a-z0-9-]+:[A-Za-z0-9]+$',
            },
          },
          resources: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'string',
              pattern:
                '^(\\*|arn:\\$\\{Partition\\}:[a-z0-9-]+:[a-z0-9-*]*:(\\$\\{AccountId\\}|\\d{12}|\\*|aws)?:.+)$',
            },
          },
          reason: {
            type: 'string',
            minLength: 10,
            pattern: '\\.$',
          },
          condition: {
            type: 'object',
            minProperties: 1,
            additionalProperties: {
              type: 'object',
              minProperties: 1,
              additionalProperties: {
                oneOf: [
                  {
                    type: 'string',
                  },
                  {
                    type: 'array',
                    minItems: 1,
                    items: {
                      type: 'string',
                    },
                  },
                ],
              },
            },
          },
          enabledBy: {
            type: 'string',
            pattern: '^[a-z][A-Za-z0-9]*$',
          },
          wildcardReason: {
            type: 'string',
            minLength: 10,
            pattern: '\\.$',
          },
          impliedBy: {
            type: 'string',
            pattern: '^[a-z0-9-]+:[A-Za-z0-9]+$',
            description:
              'The API a step calls that needs these actions although no step calls them (ec2:CreateFlowLogs to S3 needs logs:CreateLogDelivery).',
          },
        },
      },
    },
    payloadField: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: {
          oneOf: [
            {
              $ref: '#/definitions/jsonType',
            },
            {
              type: 'array',
              minItems: 1,
              items: {
                $ref: '#/definitions/jsonType',
              },
            },
          ],
        },
        enum: {
          type: 'array',
          items: {
            type: ['string', 'null'],
          },
        },
        pattern: {
          type: 'string',
        },
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: {
              const: 'string',
            },
          },
        },
        default: {
          type: 'string',
        },
        description: {
          type: 'string',
          minLength: 3,
        },
      },
    },
    jsonType: {
      enum: ['string', 'boolean', 'number', 'array', 'null'],
    },
  },
} as const;

/** `remediations/<id>/remediation.json`, as {@link REMEDIATION_SCHEMA} says. */
export type RemediationMetadataSchema = FromSchema<typeof REMEDIATION_SCHEMA>;
