import { measureApiCalls } from './api-calls';
(async () => { const r = await measureApiCalls({ sizes: [10, 100], seed: 1, deadline: Date.now() + 200000, log: console.log }); console.log(JSON.stringify(r, null, 1)); })().catch((e) => { console.error(e); process.exit(1); });
