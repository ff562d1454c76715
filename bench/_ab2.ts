const RE = /^\s*([0-9a-fA-F:.]+)\/0*0\s*$/;
const old = (c: string) => RE.exec(c) !== null;
const neu = (c: string) => c.includes('/0') && RE.test(c);
const cidrs = ['10.0.0.0/8', '192.168.1.0/24', '52.1.2.3/32', '0.0.0.0/0', '2001:db8::/32', '::/0', '172.16.0.0/12', '10.20.0.0/16'];
for (let r = 0; r < 3; r++) for (const [n, f] of [['old', old], ['new', neu]] as const) {
  const c0 = process.cpuUsage(); let k = 0;
  for (let i = 0; i < 5_000_000; i++) if (f(cidrs[i & 7]!)) k++;
  const c = process.cpuUsage(c0); console.log(n, ((c.user + c.system) / 5_000_000 * 1000).toFixed(1), 'ns/call', k);
}
