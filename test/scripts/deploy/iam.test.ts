import { expect } from 'chai';
import {
  leastPrivilegeProblems,
  renderResource,
  renderStatements,
  STACK_PLACEHOLDERS,
  WILDCARD_RESOURCE_ACTIONS,
} from '../../../scripts/deploy/iam';
import { buildMemberRoles } from '../../../scripts/deploy/packs';
import { loadRegistry } from '../../../scripts/deploy/registry';
import { buildServerlessSections } from '../../../scripts/deploy/serverless-stack';
import { resolveStageSettings } from '../../../scripts/deploy/stage-params';
import { DeploymentConfigError } from '../../../shared/errors';
import { rolePolicies } from '../../helpers/deploy';

const registry = loadRegistry();

describe('least privilege', () => {
  describe('the checker', () => {
    it('flags wildcard actions, NotAction and "*" resources for actions that can be scoped', () => {
      expect(
        leastPrivilegeProblems({
          Statement: [
            { Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b' },
            { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
            { Sid: 'Scoped', Effect: 'Allow', Action: ['ec2:RevokeSecurityGroupIngress'], Resource: ['*'] },
          ],
        }),
      ).to.deep.equal([
        'statement 1: action s3:Get* contains a wildcard.',
        'statement 2: NotAction/NotResource grants more than it names.',
        'statement Scoped: ec2:RevokeSecurityGroupIngress is granted on Resource "*" but supports resource-level permissions (name its resources, or say in the statement\'s wildcardReason why it cannot).',
      ]);
    });

    it('accepts "*" for actions without resource-level permissions, in any case', () => {
      expect(
        leastPrivilegeProblems({
          Statement: [{ Effect: 'Allow', Action: ['EC2:DescribeSecurityGroups'], Resource: '*' }],
        }),
      ).to.deep.equal([]);
    });

    it('keeps a reason for every action allowed on "*"', () => {
      for (const [action, reason] of Object.entries(WILDCARD_RESOURCE_ACTIONS)) {
        expect(action).to.equal(action.toLowerCase());
        expect(reason, action).to.match(/\.$/);
      }
    });
  });

  describe('placeholders', () => {
    it('become pseudo parameters inside Fn::Sub', () => {
      expect(
        renderResource(`arn:\${Partition}:ec2:\${Region}:\${AccountId}:volume/*`, STACK_PLACEHOLDERS),
      ).to.deep.equal({
        'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:volume/*`,
      });
      expect(renderResource('*', STACK_PLACEHOLDERS)).to.equal('*');
    });

    it('reject an unknown placeholder', () => {
      expect(() => renderResource(`arn:\${Partition}:s3:::\${Bucket}`, STACK_PLACEHOLDERS)).to.throw(
        DeploymentConfigError,
        /\$\{Bucket\}/,
      );
    });
  });

  describe('declared in metadata', () => {
    for (const rule of registry.rules)
      it(`rule ${rule.id}`, () => {
        expect(
          leastPrivilegeProblems({ Statement: renderStatements(rule.iam, STACK_PLACEHOLDERS, 'Rule') }),
        ).to.deep.equal([]);
      });
    for (const { meta } of registry.remediations)
      it(`remediation ${meta.id} (automation and Lambda)`, () => {
        expect(
          leastPrivilegeProblems({ Statement: renderStatements(meta.iam, STACK_PLACEHOLDERS, 'A') }),
        ).to.deep.equal([]);
        expect(
          leastPrivilegeProblems({
            Statement: renderStatements(meta.lambda?.iam ?? [], STACK_PLACEHOLDERS, 'L'),
          }),
        ).to.deep.equal([]);
      });
  });

  describe('generated', () => {
    const central = {
      central: 'true',
      organizationId: 'o-exampleorg1',
      externalId: 'external-id-1',
      memberAccountIds: '111111111111',
    };
    for (const [mode, input] of [
      ['one account', {}],
      ['central', central],
    ] as const)
      it(`every role of the serverless stack (${mode})`, () => {
        const { resources } = buildServerlessSections(
          registry,
          resolveStageSettings(registry, 'prod', input),
        );
        const policies = rolePolicies(resources.Resources);
        expect(policies).to.not.be.empty;
        for (const [role, doc] of policies) expect(leastPrivilegeProblems(doc), role).to.deep.equal([]);
      });

    it('every role of member-roles.yaml', () => {
      for (const [role, doc] of rolePolicies(buildMemberRoles(registry).Resources as Record<string, unknown>))
        expect(leastPrivilegeProblems(doc), role).to.deep.equal([]);
    });
  });
});
