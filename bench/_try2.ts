import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { InMemoryAccount, InMemoryClients } from './fake-aws';
(async () => {
  const account = new InMemoryAccount();
  const cmd = () => new PutEvaluationsCommand({ ResultToken: 't', Evaluations: [{ComplianceResourceType:'a',ComplianceResourceId:'b',ComplianceType:'COMPLIANT',OrderingTimestamp:new Date()}] });
  for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let i = 0; i < 500; i++) new InMemoryClients(account, { region: 'us-east-1' }).get('config');
  console.log('create client', (performance.now() - t) / 500, 'ms');
  const c = new InMemoryClients(account, { region: 'us-east-1' }).get('config');
  t = performance.now();
  for (let i = 0; i < 500; i++) await c.send(cmd());
  console.log('send reuse', (performance.now() - t) / 500, 'ms');
  t = performance.now();
  for (let i = 0; i < 500; i++) await new InMemoryClients(account, { region: 'us-east-1' }).get('config').send(cmd());
  console.log('create+send', (performance.now() - t) / 500, 'ms');
  }
})();
