#!/usr/bin/env node
// The CLI runs the TypeScript sources directly (the same modules the Lambdas bundle), through tsx.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI's output is its tables; structured logs (the Lambdas' info lines) only when asked for with LOG_LEVEL.
process.env.LOG_LEVEL ??= 'warn';
require('tsx/cjs');
const { main } = require('../app/cli/main.ts');
const { RULES } = require('../rules/index.ts');
const { REMEDIATIONS } = require('../remediations/index.ts');
const { PLAYBOOKS } = require('../playbooks/index.ts');

main(process.argv.slice(2), { rules: RULES, remediations: REMEDIATIONS, playbooks: PLAYBOOKS }).then(
  (code) => {
    // main returns the command's status (1: some resources not evaluated or not remediated; 2: bad input). Never
    // lower a status already set: overwriting it with 0 once made a scan with unevaluated resources exit 0.
    process.exitCode = Math.max(code, Number(process.exitCode ?? 0));
  },
);
