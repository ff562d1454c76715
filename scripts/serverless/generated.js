'use strict';
// serverless.yml takes its per-rule and per-remediation sections from here (`${file(...):functions}` and
// `${file(...):resources}`). osls calls each export with its variable context; the generator is TypeScript,
// loaded through tsx like the CLI, and reads the rule and remediation registries.
require('tsx/cjs');
const { sectionsFor } = require('../deploy/osls.ts');

module.exports = {
  functions: async (ctx) => (await sectionsFor(ctx)).functions,
  resources: async (ctx) => (await sectionsFor(ctx)).resources,
};
