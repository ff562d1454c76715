import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SendCommandCommandInput } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { loadCommandDocument, parseCommandDocument, renderScript } from '../../../app/ssm/command';
import { S3 } from '../../../shared/aws/services/s3';
import { SSM } from '../../../shared/aws/services/ssm';
import { InvalidDocumentError } from '../../../shared/errors';
import { useMoto } from '../../helpers/moto';
import { createWorkload, motoClients, runPlaybook } from '../helpers';

const COMMAND = join(__dirname, '..', '..', '..', 'playbooks', 'collect-evidence', 'command.yaml');
const BUCKET = 'evidence-123456789012';

describe('playbook collect-evidence', function () {
  this.timeout(120_000);

  describe('the Run Command document', () => {
    it('is valid: schema 2.2, one step per platform, every parameter anchored and unable to break out of quotes', () => {
      const doc = loadCommandDocument(COMMAND);
      expect(doc.mainSteps.map((s) => [s.action, s.precondition.StringEquals[1]])).to.deep.equal([
        ['aws:runShellScript', 'Linux'],
        ['aws:runPowerShellScript', 'Windows'],
      ]);
    });

    it('its Linux script, parameters put in, is valid bash and captures processes, connections, users and logins', () => {
      const doc = loadCommandDocument(COMMAND);
      const script = renderScript(doc.mainSteps[0]!, {
        FindingId: '02be5693b63eea1d67e6f321c6aee4f3',
        EvidenceBucket: BUCKET,
        EvidencePrefix: 'incidents/f/i-0123456789abcdef0/20261128T100000Z',
      });
      execFileSync('bash', ['-n'], { input: script });
      for (const what of [
        'ps auxwwf',
        'ss -tunap',
        'who -a',
        'last -Fw',
        'put-object',
        '--tagging',
        'sha256sum',
      ])
        expect(script).to.contain(what);
    });

    it('its Windows script captures the same and uploads with tags', () => {
      const script = loadCommandDocument(COMMAND).mainSteps[1]!.inputs.runCommand.join('\n');
      for (const what of [
        'Get-CimInstance Win32_Process',
        'Get-NetTCPConnection',
        'quser',
        'Id=4624',
        'Write-S3Object',
        '-TagSet',
        'Get-FileHash',
      ])
        expect(script).to.contain(what);
    });

    it('rejects a parameter whose pattern admits a quote, and an unknown reference', () => {
      const bad = `schemaVersion: "2.2"
description: A document written for this test only, not a playbook.
parameters:
  Name:
    type: String
    description: A name.
    allowedPattern: ^.*$
mainSteps:
  - action: aws:runShellScript
    name: Run
    precondition:
      StringEquals: [platformType, Linux]
    inputs:
      runCommand: ["echo '{{ Name }}' '{{ Other }}'"]
`;
      expect(() => parseCommandDocument(bad, 'bad')).to.throw(
        InvalidDocumentError,
        /admits "'"[\s\S]*\{\{ Other \}\} is not a parameter/,
      );
    });
  });

  describe('on moto_server', () => {
    const moto = useMoto();

    it('sends the capture with exact inputs and verifies the archive landed, tagged with the finding', async () => {
      const aws = motoClients(moto.endpoint);
      const w = await createWorkload(aws);
      await aws.get(S3).send(new CreateBucketCommand({ Bucket: BUCKET }));
      const sent: SendCommandCommandInput[] = [];
      // EMULATOR: moto answers SendCommand with a canned success and runs nothing. This middleware plays the
      // instance's part, uploading the archive the script would (same key, same tags), so the product's
      // verification reads a real object; the script itself is checked above (bash -n, the document's schema).
      aws.get(SSM).middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName === 'SendCommandCommand') {
            const input = args.input as SendCommandCommandInput;
            sent.push(input);
            await aws.get(S3).send(
              new PutObjectCommand({
                Bucket: input.Parameters!.EvidenceBucket![0],
                Key: `${input.Parameters!.EvidencePrefix![0]}/volatile.tar.gz`,
                Body: 'archive',
                Tagging: `rebaseline-finding=${input.Parameters!.FindingId![0]}&rebaseline-instance=${w.instanceId}`,
              }),
            );
          }
          return result;
        },
        { step: 'initialize', name: 'instanceAgent' },
      );
      const execution = await runPlaybook(
        'collect-evidence',
        aws,
        {
          InstanceId: w.instanceId,
          FindingId: 'f1',
          EvidenceBucket: BUCKET,
          CommandDocumentName: 'rebaseline-test-capture-volatile-data',
        },
        { now: () => new Date('2026-11-28T10:00:00.000Z') },
      );
      expect(execution.status, execution.failureMessage).to.equal('Success');
      const prefix = `incidents/f1/${w.instanceId}/20261128T100000Z`;
      expect(sent).to.deep.equal([
        {
          DocumentName: 'rebaseline-test-capture-volatile-data',
          InstanceIds: [w.instanceId],
          Parameters: { FindingId: ['f1'], EvidenceBucket: [BUCKET], EvidencePrefix: [prefix] },
          Comment: 'rebaseline volatile-data capture',
          OutputS3BucketName: BUCKET,
          OutputS3KeyPrefix: `${prefix}/run-command`,
          TimeoutSeconds: 600,
        },
      ]);
      const tags = await aws
        .get(S3)
        .send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: `${prefix}/volatile.tar.gz` }));
      expect(tags.TagSet).to.deep.include({ Key: 'rebaseline-finding', Value: 'f1' });
      expect(execution.steps.map((s) => [s.name, s.status])).to.deep.equal([
        ['Plan', 'Success'],
        ['CheckProceed', 'Success'],
        ['Capture', 'Success'],
        ['VerifyCollected', 'Success'],
      ]);
    });

    it('fails verification when no archive arrived (the instance could not upload)', async () => {
      const aws = motoClients(moto.endpoint);
      const w = await createWorkload(aws);
      await aws.get(S3).send(new CreateBucketCommand({ Bucket: BUCKET }));
      const execution = await runPlaybook('collect-evidence', aws, {
        InstanceId: w.instanceId,
        FindingId: 'f1',
        EvidenceBucket: BUCKET,
      });
      expect(execution.status).to.equal('Failed');
      expect(execution.failureMessage).to.contain('does not exist: the command did not upload its archive');
    });

    it('dry-run plans the SendCommand and sends nothing', async () => {
      const aws = motoClients(moto.endpoint);
      const w = await createWorkload(aws);
      const execution = await runPlaybook(
        'collect-evidence',
        aws,
        { InstanceId: w.instanceId, FindingId: 'f1', EvidenceBucket: BUCKET },
        { dryRun: true },
      );
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(execution.plan.map((p) => `${p.service}:${p.api}`)).to.deep.equal(['ssm:SendCommand']);
    });
  });
});
