import { packageService } from '../scripts/deploy/package';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
(async () => { const t = Date.now(); const dir = mkdtempSync(join(tmpdir(), 'rb-pkg-')); const r = await packageService(dir); console.log(dir, r.zips, Date.now() - t, 'ms'); })().catch((e) => { console.error(e); process.exit(1); });
