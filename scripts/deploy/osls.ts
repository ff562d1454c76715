import { loadRegistry } from './registry';
import { buildServerlessSections, type ServerlessSections } from './serverless-stack';
import { resolveStageSettings } from './stage-params';

/** What osls passes to a function exported by a `${file(…js):…}` source. */
export interface OslsVariableContext {
  options: Record<string, unknown>;
  resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
}

/**
 * `--param key=value` options as osls receives them (one string or a list).
 * @example
 * cliParameters(['central=true', 'memberAccountIds=111111111111']) // { central: 'true', memberAccountIds: '111111111111' }
 */
export function cliParameters(option: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of option === undefined ? [] : Array.isArray(option) ? option : [option]) {
    const match = /^([^=]+)=(.+)$/.exec(String(item));
    if (match) out[match[1]!] = match[2]!.trimEnd();
  }
  return out;
}

const cache = new Map<string, ServerlessSections>();

/**
 * The generated `functions` and `resources` for the stage osls is packaging. Stage parameters follow osls's
 * precedence (`--param` over `params.<stage>` over `params.default`) and are validated against the registry.
 * @example
 * // scripts/serverless/generated.js
 * module.exports = { functions: async (ctx) => (await sectionsFor(ctx)).functions };
 */
export async function sectionsFor(ctx: OslsVariableContext): Promise<ServerlessSections> {
  const stage = String(
    ctx.options.stage ?? (await ctx.resolveConfigurationProperty(['provider', 'stage'])) ?? 'dev',
  );
  const params = ((await ctx.resolveConfigurationProperty(['params'])) ?? {}) as Record<
    string,
    Record<string, unknown> | undefined
  >;
  const input = { ...params.default, ...params[stage], ...cliParameters(ctx.options.param) };
  const key = JSON.stringify([stage, input]);
  let sections = cache.get(key);
  if (!sections) {
    const registry = loadRegistry();
    sections = buildServerlessSections(registry, resolveStageSettings(registry, stage, input));
    cache.set(key, sections);
  }
  return sections;
}
