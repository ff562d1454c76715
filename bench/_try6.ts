import { generateItems } from './generate';
const t = performance.now(); generateItems('ec2-security-group-no-public-ingress', 20000, 1); console.log(performance.now() - t);
