import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { decisionTable, RESPOND_DOC, withDecisionTable } from '../../scripts/respond-docs';
import { DECISION_TABLE } from '../../shared/incident/decision';

describe('docs/respond.md decision table (scripts/respond-docs.ts)', () => {
  it('is up to date with the table in code (run `npm run build:docs`)', () => {
    const doc = readFileSync(RESPOND_DOC, 'utf8');
    expect(
      withDecisionTable(doc) === doc,
      'docs/respond.md decision table is stale: run npm run build:docs',
    ).to.equal(true);
  });

  it('has one row per table row, with its reason, and the fallback row', () => {
    const table = decisionTable();
    for (const row of DECISION_TABLE) expect(table).to.include(row.reason);
    expect(table).to.include('A person decides: only the notification.');
  });
});
