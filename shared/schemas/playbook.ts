import type { FromSchema } from 'json-schema-to-ts';
import { FINDING_FIELDS, RESPONSE_SETTING_NAMES } from '../incident/settings';
import { REMEDIATION_SCHEMA } from './remediation';

/**
 * JSON Schema of `playbooks/<id>/playbook.json`, and the source of its type. Its IAM statements are a remediation's
 * (one definition: `wildcardReason` on a statement that must use `Resource: "*"`, conditions, `enabledBy`).
 * `npm run generate` writes it to `shared/playbook.schema.json` for editors (`$schema`).
 */
export const PLAYBOOK_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://rebaseline.dev/schemas/playbook.json',
  title:
    'rebaseline incident playbook metadata (playbooks/<id>/playbook.json), generated from shared/schemas/playbook.ts',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'description', 'document', 'parameters', 'iam'],
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
    document: {
      const: 'document.yaml',
      description: 'The SSM Automation document run for the playbook.',
    },
    commandDocument: {
      const: 'command.yaml',
      description: 'The Run Command document it sends to instances (collect-evidence), deployed beside it.',
    },
    parameters: {
      type: 'object',
      minProperties: 1,
      description: 'Every document parameter and where its value comes from.',
      propertyNames: {
        pattern: '^[A-Za-z0-9_]+$',
      },
      additionalProperties: {
        $ref: '#/definitions/parameterSource',
      },
    },
    iam: {
      $ref: '#/definitions/statements',
      description:
        "What the automation assume role needs (the document's own steps: Lambda, Run Command, approvals).",
    },
    lambda: {
      type: 'object',
      additionalProperties: false,
      required: ['handler', 'iam', 'timeoutSeconds'],
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
      },
    },
  },
  definitions: {
    parameterSource: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'field'],
          description: 'A field of the finding, as the decision resolved it (the instance, the addresses…).',
          properties: {
            source: {
              const: 'finding',
            },
            field: {
              enum: FINDING_FIELDS,
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'setting'],
          description:
            'A response setting: a stage parameter when deployed, an option of `rebaseline respond`.',
          properties: {
            source: {
              const: 'setting',
            },
            setting: {
              enum: RESPONSE_SETTING_NAMES,
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['source'],
          description:
            "Deployment-specific: the playbook's Lambda function name, its automation assume role.",
          properties: {
            source: {
              enum: ['lambda', 'assumeRole'],
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'value'],
          description: 'A fixed value.',
          properties: {
            source: {
              const: 'static',
            },
            value: {
              type: 'string',
            },
          },
        },
      ],
    },
    statements: REMEDIATION_SCHEMA.definitions.statements,
  },
} as const;

/** `playbooks/<id>/playbook.json`, as {@link PLAYBOOK_SCHEMA} says. */
export type PlaybookMetadataSchema = FromSchema<typeof PLAYBOOK_SCHEMA>;
