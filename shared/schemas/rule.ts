import type { FromSchema } from 'json-schema-to-ts';

/**
 * JSON Schema of `rules/<id>/rule.json`, and the source of {@link RuleMetadata}: the type is derived from the schema,
 * so the two cannot drift. `npm run generate` writes it to `shared/rule.schema.json` for editors (`$schema`).
 */
export const RULE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://rebaseline.dev/schemas/rule.json',
  title: 'rebaseline rule metadata (rules/<id>/rule.json), generated from shared/schemas/rule.ts',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'description', 'severity', 'trigger', 'parameters', 'iam', 'controls'],
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
    severity: {
      enum: ['low', 'medium', 'high', 'critical'],
    },
    scope: {
      enum: ['regional', 'global'],
      description:
        'regional (the default): the rule is evaluated in every region; global: what it evaluates is the same seen from any region (IAM, account-level S3 Block Public Access, multi-region trails), so a scan of several regions evaluates it once per account.',
    },
    trigger: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        configurationChange: {
          type: 'object',
          additionalProperties: false,
          required: ['resourceTypes'],
          properties: {
            resourceTypes: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'string',
                pattern: '^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$',
              },
            },
          },
        },
        periodic: {
          type: 'object',
          additionalProperties: false,
          required: ['maximumExecutionFrequency', 'resourceType'],
          properties: {
            maximumExecutionFrequency: {
              enum: ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'],
            },
            resourceType: {
              type: 'string',
              pattern: '^AWS::([A-Za-z0-9]+)?::[A-Za-z0-9]+$',
            },
          },
        },
      },
    },
    parameters: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'additionalProperties', 'properties'],
      properties: {
        type: {
          const: 'object',
        },
        additionalProperties: {
          const: false,
        },
        required: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        properties: {
          type: 'object',
          propertyNames: {
            pattern: '^[a-z][A-Za-z0-9]*$',
          },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'description', 'default'],
            properties: {
              type: {
                enum: ['string', 'boolean', 'integer', 'number', 'array'],
              },
              description: {
                type: 'string',
                minLength: 10,
              },
              default: {},
              pattern: {
                type: 'string',
              },
              minimum: {
                type: 'number',
              },
              maximum: {
                type: 'number',
              },
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['type'],
                properties: {
                  type: {
                    enum: ['string', 'integer'],
                  },
                  pattern: {
                    type: 'string',
                  },
                  minimum: {
                    type: 'number',
                  },
                  maximum: {
                    type: 'number',
                  },
                  enum: {
                    type: 'array',
                    minItems: 1,
                    items: {
                      type: 'string',
                    },
                  },
                },
              },
              enum: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'string',
                },
              },
            },
          },
        },
      },
    },
    remediation: {
      type: 'string',
      pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
      description: 'The remediation that restores it; absent for a detection-only rule.',
    },
    iam: {
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
            },
          },
          reason: {
            type: 'string',
            minLength: 10,
          },
          wildcardReason: {
            type: 'string',
            minLength: 10,
            pattern: '\\.$',
            description:
              'Why the actions of a statement on Resource "*" cannot name their resources (required with "*").',
          },
        },
      },
    },
    controls: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'string',
        },
      },
    },
    notes: {
      type: 'array',
      items: {
        type: 'string',
      },
    },
    managedRules: {
      type: 'array',
      description:
        'The AWS managed rules that check the same controls, for the companion pack rebaseline-managed-rules.yaml.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'identifier'],
        properties: {
          name: {
            type: 'string',
            pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
          },
          identifier: {
            type: 'string',
            pattern: '^[A-Z0-9_]+$',
          },
          scope: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'string',
              pattern: '^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$',
            },
          },
          periodic: {
            type: 'boolean',
          },
          inputs: {
            type: 'object',
            additionalProperties: {
              type: 'string',
            },
          },
          packParameters: {
            type: 'object',
            description:
              'Managed rule inputs taken from a pack parameter (empty: not passed): input name \u2192 the parameter.',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'description'],
              properties: {
                name: {
                  type: 'string',
                  pattern: '^[A-Z][A-Za-z0-9]*$',
                },
                description: {
                  type: 'string',
                  minLength: 10,
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** `rules/<id>/rule.json`, as {@link RULE_SCHEMA} says. */
export type RuleMetadataSchema = FromSchema<typeof RULE_SCHEMA>;
