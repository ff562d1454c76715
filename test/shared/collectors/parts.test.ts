import { expect } from 'chai';
import { checkNewPart, partsOf, type ReaderPart, readNames } from '../../../shared/collectors/parts';
import { cloudtrailReads } from '../../../shared/collectors/reads/cloudtrail';
import { ec2Reads } from '../../../shared/collectors/reads/ec2';
import { DeploymentConfigError } from '../../../shared/errors';

/** A part that is never registered (checkNewPart is pure), with the given name, snapshot keys and reads. */
function part(name: string, keys: string[], reads: string[]): ReaderPart {
  const answers = Object.fromEntries(reads.map((r) => [r, async () => undefined]));
  return {
    part: name,
    live: async () => ({ live: () => answers }),
    snapshot: { keys: Object.fromEntries(keys.map((k) => [k, 'test'])), open: () => answers },
  } as unknown as ReaderPart;
}

describe('shared/collectors/parts', () => {
  it('names the reads of a part without reading anything', () => {
    expect(readNames(cloudtrailReads)).to.deep.equal(['describeTrails', 'trailStatus', 'eventSelectors']);
  });

  it('accepts a part whose name, snapshot keys and reads are its own', () => {
    expect(() =>
      checkNewPart(
        [cloudtrailReads, ec2Reads] as ReaderPart[],
        part('flowLogs', ['flowLogs'], ['listFlowLogs']),
      ),
    ).not.to.throw();
  });

  it('refuses a second part of the same name', () => {
    expect(() => checkNewPart([ec2Reads] as ReaderPart[], part('ec2', ['vpcs'], ['listVpcs']))).to.throw(
      DeploymentConfigError,
      'Two reader parts are named ec2: a part name must be unique.',
    );
  });

  it('refuses a snapshot key another part answers from', () => {
    expect(() =>
      checkNewPart([cloudtrailReads] as ReaderPart[], part('audit', ['trails'], ['auditTrails'])),
    ).to.throw(
      DeploymentConfigError,
      'Reader parts cloudtrail and audit both answer from the snapshot key trails.',
    );
  });

  it('refuses a read another part defines (one would silently replace the other on the reader)', () => {
    expect(() =>
      checkNewPart([cloudtrailReads] as ReaderPart[], part('audit', ['auditTrails'], ['describeTrails'])),
    ).to.throw(
      DeploymentConfigError,
      'Reader parts cloudtrail and audit both define the read describeTrails.',
    );
  });

  it('puts several rules’ parts together, each once', () => {
    expect(
      Object.keys(partsOf([{ ec2: ec2Reads }, { cloudtrail: cloudtrailReads, ec2: ec2Reads }])),
    ).to.deep.equal(['ec2', 'cloudtrail']);
  });
});
