// Loaded by mocha before every test file (.mocharc.json); its `mochaHooks` are root hooks for the whole run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'silent';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.AWS_REGION ??= 'us-east-1';
// Tests run the sources: bin/rebaseline.js never runs a dist/ build in the suite (one test runs the packed CLI).
process.env.REBASELINE_SOURCES = '1';
delete process.env.AWS_ENDPOINT_URL;
delete process.env.AWS_PROFILE;
// Tests never write to the user's ~/.rebaseline/history.db; child processes inherit this.
process.env.REBASELINE_DB ??= require('node:path').join(
  require('node:os').tmpdir(),
  `rebaseline-test-${process.pid}.db`,
);

// Schemas no generated table holds (a test's own rule metadata or payload) are compiled here, as the product never
// does: its rules', remediations' and playbooks' validators are compiled ahead of time (scripts/build-schemas.ts).
const { useSchemaCompiler } =
  require('../shared/schemas/precompiled') as typeof import('../shared/schemas/precompiled');
const { default: Ajv } = require('ajv') as typeof import('ajv');
useSchemaCompiler((schema, options) => new Ajv(options).compile(schema));

// Every log line of the suite, at trace level, is read for secrets (the logger is required here, after LOG_LEVEL).
const { suiteLogWatch: watch } = require('./helpers/log-secrets') as typeof import('./helpers/log-secrets');

export const mochaHooks = {
  beforeAll(): void {
    watch.start();
  },
  afterAll(): void {
    watch.stopAndAssert();
  },
};
