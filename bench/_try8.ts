import { measureTimeToRemediate } from './time-to-remediate';
(async () => { const t = Date.now(); const r = await measureTimeToRemediate({ runs: 2, log: console.log }); console.log(JSON.stringify(r, null, 1), Date.now() - t); })().catch((e) => { console.error(e); process.exit(1); });
