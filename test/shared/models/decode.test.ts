import { expect } from 'chai';
import { MalformedResourceError } from '../../../shared/errors';
import {
  array,
  boolean,
  integer,
  optionalInteger,
  record,
  stringList,
  unreadableBecause,
} from '../../../shared/models/decode';

const where = { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-1' };
const refused = (fn: () => unknown, problem: RegExp) =>
  expect(fn).to.throw(MalformedResourceError).with.property('problem').that.matches(problem);

describe('decode: what Config may spell differently is decoded, everything else refused', () => {
  it('objects and arrays as JSON text, encoded once or twice', () => {
    expect(record('{"a":1}', where, 'x')).to.deep.equal({ a: 1 });
    expect(record(JSON.stringify(JSON.stringify({ a: 1 })), where, 'x')).to.deep.equal({ a: 1 });
    expect(array('[1,2]', where, 'x')).to.deep.equal([1, 2]);
    refused(() => record('{"a":', where, 'x'), /not a JSON object/);
    refused(() => record([], where, 'x'), /not a JSON object/);
    refused(() => array({}, where, 'x'), /not a JSON array/);
    refused(() => array(undefined, where, 'x'), /^is missing$/);
    refused(() => array(null, where, 'x'), /^is null$/);
  });

  it('integers as numbers, text, or with a zero fraction', () => {
    for (const v of [22, '22', '22.0', ' 22 ', 22.0]) expect(integer(v, where, 'p', -1, 65535)).to.equal(22);
    for (const v of [22.5, '22.5', 'twenty', '', true, [], '0x16', '1e3', Number.NaN, Infinity])
      refused(() => integer(v, where, 'p', -1, 65535), /not an integer/);
    refused(() => integer(70000, where, 'p', -1, 65535), /outside -1\.\.65535/);
    expect(optionalInteger(null, where, 'p', 0, 1)).to.equal(undefined);
  });

  it('booleans as booleans or text, nothing else', () => {
    for (const [v, b] of [
      [true, true],
      ['false', false],
      ['TRUE', true],
      [' False ', false],
    ] as const)
      expect(boolean(v, where, 'f')).to.equal(b);
    for (const v of ['yes', 1, 0, {}, 'off']) refused(() => boolean(v, where, 'f'), /not a boolean/);
  });

  it('IAM lists: one string or a non-empty list of strings', () => {
    expect(stringList('s3:GetObject', where, 'a')).to.deep.equal(['s3:GetObject']);
    expect(stringList('["a","b"]', where, 'a')).to.deep.equal(['a', 'b']);
    refused(() => stringList([], where, 'a'), /empty list/);
    refused(() => stringList(['a', 1], where, 'a'), /not a string/);
  });

  it('the error names the resource and the field', () => {
    expect(() => record(42, where, 'configuration.ipPermissions[0]')).to.throw(
      'Could not read AWS::EC2::SecurityGroup sg-1: configuration.ipPermissions[0] is 42, not a JSON object.',
    );
  });

  it('unreadableBecause: the AWS error name, or a rebaseline error message', () => {
    expect(unreadableBecause(Object.assign(new Error('x'), { name: 'AccessDenied' }))).to.deep.equal({
      unreadable: 'AccessDenied',
    });
  });
});
