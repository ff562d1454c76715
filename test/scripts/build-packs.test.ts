import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildPacks, PACKS_DIR } from '../../scripts/build-packs';
import { renderPacks } from '../../scripts/deploy/packs';
import { loadRegistry } from '../../scripts/deploy/registry';

describe('npm run build:packs', () => {
  it('the committed conformance-packs/ match a fresh generation from the registries', () => {
    expect(
      buildPacks({ write: false }),
      'out of date: run npm run build:packs and commit the result',
    ).to.deep.equal([]);
  });

  it('generates the same text twice (no timestamps, stable order)', () => {
    const registry = loadRegistry();
    expect(renderPacks(registry)).to.deep.equal(renderPacks(registry));
  });

  it('writes the files the README rolls out', () => {
    for (const name of [
      'rebaseline-baseline.yaml',
      'rebaseline-managed-rules.yaml',
      'member-roles.yaml',
      'rebaseline-exemption-scp.yaml',
    ])
      expect(readFileSync(join(PACKS_DIR, name), 'utf8')).to.match(
        /^# .*\n# Generated from rules\/ and remediations\//,
      );
  });
});
