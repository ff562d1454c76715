import { generateItems, GENERATORS } from './generate';
for (const id of Object.keys(GENERATORS)) { const t = performance.now(); const items = generateItems(id, 100000, 1); const g = performance.now() - t; const s = JSON.stringify(items).length; console.log(id, g.toFixed(0), 'ms', (s / 1e6).toFixed(0), 'MB json', (s/items.length).toFixed(0), 'B/item'); }
