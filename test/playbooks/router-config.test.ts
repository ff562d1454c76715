import { expect } from 'chai';
import { configFrom } from '../../playbooks/router/handler';
import { DeploymentConfigError } from '../../shared/errors';

describe('playbooks/router: its configuration fails closed', () => {
  it('reads what the stack sets', () => {
    const config = configFrom({
      PLAYBOOK_PREFIX: 'rebaseline-prod-',
      AUTOMATIC_PLAYBOOKS: 'block-ip,isolate-ec2-instance',
      CUSTOM_ACTIONS: JSON.stringify({ RblProdIso: 'isolate-ec2-instance', RblProdRespond: 'respond' }),
      MIN_SEVERITY: '5.5',
      WAIT_SECONDS: '240',
    });
    expect(config).to.include({ prefix: 'rebaseline-prod-', minSeverity: 5.5, waitSeconds: 240 });
    expect(config.automatic).to.deep.equal(['block-ip', 'isolate-ec2-instance']);
  });

  const refused: [string, NodeJS.ProcessEnv, RegExp][] = [
    // NaN compares false with every severity: the filter would let every finding through.
    ['a minimum severity that is not a number', { MIN_SEVERITY: 'high' }, /MIN_SEVERITY must be a number/],
    ['an empty minimum severity', { MIN_SEVERITY: ' ' }, /MIN_SEVERITY must be a number/],
    ['a minimum severity above 10', { MIN_SEVERITY: '11' }, /from 0 to 10, got "11"/],
    // NaN would never reach the deadline: the router would poll until the Lambda timed out.
    ['a wait that is not a number', { WAIT_SECONDS: 'forever' }, /WAIT_SECONDS must be a number/],
    [
      'a custom action naming no playbook',
      { CUSTOM_ACTIONS: JSON.stringify({ RblProdX: 'terminate-instance' }) },
      /RblProdX names "terminate-instance", which is neither respond nor a playbook/,
    ],
  ];
  for (const [name, env, message] of refused)
    it(`refuses ${name}`, () => {
      expect(() => configFrom(env))
        .to.throw(DeploymentConfigError)
        .with.property('message')
        .that.matches(message);
    });
});
