import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';
import { DeploymentConfigError } from '../../shared/errors';
import type { RemediationMetadata } from '../../shared/remediation/metadata';
import type { RuleMetadata } from '../../shared/rule';

/** Root of the repository (the osls service directory). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A remediation as the generators need it: metadata, its SSM document parsed, and where its files are. */
export interface DeployableRemediation {
  meta: RemediationMetadata;
  /** Folder of the remediation, relative to the repository root (`remediations/<id>`). */
  folder: string;
  /** `document.yaml`, parsed: the `Content` of the `AWS::SSM::Document`. */
  document: Record<string, unknown>;
}

/** Everything the deployment generators read: the rules' and remediations' metadata. */
export interface DeployRegistry {
  rules: readonly RuleMetadata[];
  remediations: readonly DeployableRemediation[];
}

function relativeFolder(dir: string, id: string): string {
  const absolute = resolve(REPO_ROOT, dir || join('remediations', id));
  return absolute
    .slice(REPO_ROOT.length + 1)
    .split('\\')
    .join('/');
}

/**
 * Reads a remediation folder's `document.yaml` into the shape the generators use.
 * @throws DeploymentConfigError when the document is missing or not a YAML mapping.
 * @example
 * const remediation = loadRemediation(meta, 'remediations/revoke-public-ingress');
 */
export function loadRemediation(meta: RemediationMetadata, dir: string): DeployableRemediation {
  const folder = relativeFolder(dir, meta.id);
  const file = join(REPO_ROOT, folder, meta.document ?? 'document.yaml');
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new DeploymentConfigError(`Cannot read the SSM document of remediation ${meta.id} (${file}).`, {
      cause,
    });
  }
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw new DeploymentConfigError(`The SSM document of remediation ${meta.id} is not a YAML mapping.`);
  return { meta, folder, document: document as Record<string, unknown> };
}

/**
 * The registries (`rules/index.ts`, `remediations/index.ts`) as the generators read them. Adding a rule or
 * remediation folder and its registry line is all it takes to appear in serverless.yml's output and the packs.
 * @example
 * const { rules, remediations } = loadRegistry();
 */
export function loadRegistry(): DeployRegistry {
  return {
    rules: RULES.map((r) => r.meta),
    remediations: REMEDIATIONS.map((r) => loadRemediation(r.meta, r.dir)),
  };
}

/** The registered remediation a rule pairs with, if it is registered and lists the rule. */
export function remediationOf(
  registry: DeployRegistry,
  rule: RuleMetadata,
): DeployableRemediation | undefined {
  return registry.remediations.find((r) => r.meta.id === rule.remediation && r.meta.rules.includes(rule.id));
}

/**
 * Whether a remediation's Lambda reads other accounts through the member execution role (in central mode: it may
 * assume it, and the role grants its reads). `false` without a Lambda, or for a Lambda that acts with its own
 * credentials (`lambda.crossAccount: "ownCredentials"`, remove-root-access-keys).
 * @example
 * readsThroughExecutionRole(findRemediation('revoke-public-ingress').meta) // true
 */
export function readsThroughExecutionRole(meta: RemediationMetadata): boolean {
  return meta.lambda !== undefined && (meta.lambda.crossAccount ?? 'executionRole') === 'executionRole';
}
