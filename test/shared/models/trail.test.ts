import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import { expect } from 'chai';
import type { TrailSelectors } from '../../../shared/collectors/reader';
import { MalformedResourceError } from '../../../shared/errors';
import {
  type ManagementEventCoverage,
  managementEventCoverage,
  trailFacts,
  uniqueTrails,
} from '../../../shared/models/trail';
import { recorded } from '../../helpers/fixtures';

const CT = 'custodian_placebo/cloudtrail';
const selectors = (file: string) => recorded<TrailSelectors>(`${CT}/${file}.json`);

type Expected = Pick<ManagementEventCoverage, 'selectors' | 'read' | 'write' | 'someRead' | 'someWrite'> &
  Partial<Pick<ManagementEventCoverage, 'excludedSources' | 'filters'>>;
const full = (selectors: ManagementEventCoverage['selectors']): Expected => ({
  selectors,
  read: true,
  write: true,
  someRead: true,
  someWrite: true,
  excludedSources: [],
  filters: [],
});
const mgmt = { Field: 'eventCategory', Equals: ['Management'] };

describe('trail model', () => {
  describe('managementEventCoverage', () => {
    const cases: { name: string; response: TrailSelectors; expected: Expected }[] = [
      {
        name: 'recorded: basic, management events All, no data events',
        response: selectors('test_account_data_events__cloudtrail.GetEventSelectors_1'),
        expected: full('basic'),
      },
      {
        name: 'recorded: basic, All with an empty ExcludeManagementEventSources',
        response: selectors('test_cloudtrail_event_selectors__cloudtrail.GetEventSelectors_1'),
        expected: full('basic'),
      },
      {
        name: 'recorded: basic, All with S3 data events too',
        response: selectors(
          'test_cloudtrail_success_cloudtrail_include_management_events__cloudtrail.GetEventSelectors_1',
        ),
        expected: full('basic'),
      },
      {
        name: 'recorded: basic, IncludeManagementEvents false (S3 data events only)',
        response: selectors('test_account_data_events__cloudtrail.GetEventSelectors_2'),
        expected: { selectors: 'basic', read: false, write: false, someRead: false, someWrite: false },
      },
      {
        name: 'recorded: basic, ReadOnly management events',
        response: selectors('test_cloudtrail_fail_include_management_events__cloudtrail.GetEventSelectors_1'),
        expected: { selectors: 'basic', read: true, write: false, someRead: true, someWrite: false },
      },
      {
        name: 'recorded: basic, WriteOnly data events without management events',
        response: selectors('test_s3_data_events__cloudtrail.GetEventSelectors_2'),
        expected: { selectors: 'basic', read: false, write: false, someRead: false, someWrite: false },
      },
      {
        name: 'recorded: advanced, management write-only, kms and rdsdata excluded',
        response: selectors(
          'test_cloudtrail_fail_management_advanced_events_included__cloudtrail.GetEventSelectors_1',
        ),
        expected: {
          selectors: 'advanced',
          read: false,
          write: false,
          someRead: false,
          someWrite: true,
          excludedSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'],
          filters: [],
        },
      },
      {
        name: 'recorded: advanced, all management events but rdsdata excluded (an exclusion still)',
        response: selectors(
          'test_cloudtrail_success_management_advanced_events_included__cloudtrail.GetEventSelectors_1',
        ),
        expected: {
          selectors: 'advanced',
          read: false,
          write: false,
          someRead: true,
          someWrite: true,
          excludedSources: ['rdsdata.amazonaws.com'],
          filters: [],
        },
      },

      {
        name: 'no selectors at all (empty lists, as moto answers): CloudTrail default',
        response: { EventSelectors: [], AdvancedEventSelectors: [] },
        expected: full('default'),
      },
      {
        name: 'basic selector with IncludeManagementEvents and ReadWriteType as text',
        response: { EventSelectors: [{ IncludeManagementEvents: 'TRUE', ReadWriteType: 'All' }] } as never,
        expected: full('basic'),
      },
      {
        name: 'basic ReadOnly plus WriteOnly selectors together cover both',
        response: {
          EventSelectors: [
            { ReadWriteType: 'ReadOnly', IncludeManagementEvents: true },
            { ReadWriteType: 'WriteOnly', IncludeManagementEvents: true },
          ],
        },
        expected: full('basic'),
      },
      {
        name: 'basic All excluding kms events',
        response: {
          EventSelectors: [
            {
              ReadWriteType: 'All',
              IncludeManagementEvents: true,
              ExcludeManagementEventSources: ['kms.amazonaws.com'],
            },
          ],
        },
        expected: {
          selectors: 'basic',
          read: false,
          write: false,
          someRead: true,
          someWrite: true,
          excludedSources: ['kms.amazonaws.com'],
        },
      },
      {
        name: 'advanced management selector without readOnly',
        response: { AdvancedEventSelectors: [{ FieldSelectors: [mgmt] }] },
        expected: full('advanced'),
      },
      {
        name: 'advanced readOnly Equals true and false (both)',
        response: {
          AdvancedEventSelectors: [
            { FieldSelectors: [mgmt, { Field: 'readOnly', Equals: ['true', 'false'] }] },
          ],
        },
        expected: full('advanced'),
      },
      {
        name: 'advanced read-only and write-only management selectors together cover both',
        response: {
          AdvancedEventSelectors: [
            { Name: 'reads', FieldSelectors: [mgmt, { Field: 'readOnly', Equals: ['true'] }] },
            { Name: 'writes', FieldSelectors: [mgmt, { Field: 'readOnly', Equals: ['false'] }] },
          ],
        },
        expected: full('advanced'),
      },
      {
        name: 'advanced readOnly NotEquals true: write only',
        response: {
          AdvancedEventSelectors: [{ FieldSelectors: [mgmt, { Field: 'readOnly', NotEquals: ['true'] }] }],
        },
        expected: { selectors: 'advanced', read: false, write: true, someRead: false, someWrite: true },
      },
      {
        name: 'advanced data-events selector only',
        response: {
          AdvancedEventSelectors: [
            {
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Data'] },
                { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
              ],
            },
          ],
        },
        expected: { selectors: 'advanced', read: false, write: false, someRead: false, someWrite: false },
      },
      {
        name: 'advanced management selector limited to one event source: a filter',
        response: {
          AdvancedEventSelectors: [
            { FieldSelectors: [mgmt, { Field: 'eventSource', Equals: ['s3.amazonaws.com'] }] },
          ],
        },
        expected: {
          selectors: 'advanced',
          read: false,
          write: false,
          someRead: true,
          someWrite: true,
          excludedSources: [],
          filters: ['eventSource Equals s3.amazonaws.com'],
        },
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        expect(managementEventCoverage(c.response)).to.deep.include(c.expected);
      });

    it('IncludeManagementEvents "false" (text) is decoded: no management events', () => {
      const coverage = managementEventCoverage({
        EventSelectors: [{ IncludeManagementEvents: 'false', ReadWriteType: 'All' }],
      } as never);
      expect(coverage).to.deep.include({ read: false, write: false, someRead: false, someWrite: false });
    });

    const refusals: [string, unknown, string][] = [
      ['neither list (garbage answer)', {}, 'EventSelectors'],
      ['EventSelectors not a list', { EventSelectors: 'all' }, 'EventSelectors'],
      ['a selector that is not an object', { EventSelectors: [42] }, 'EventSelectors[0]'],
      [
        'IncludeManagementEvents missing',
        { EventSelectors: [{ ReadWriteType: 'All' }] },
        'EventSelectors[0].IncludeManagementEvents',
      ],
      [
        'IncludeManagementEvents neither true nor false',
        { EventSelectors: [{ IncludeManagementEvents: 'maybe', ReadWriteType: 'All' }] },
        'EventSelectors[0].IncludeManagementEvents',
      ],
      [
        'ReadWriteType missing',
        { EventSelectors: [{ IncludeManagementEvents: false }] },
        'EventSelectors[0].ReadWriteType',
      ],
      [
        'ReadWriteType unknown',
        { EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'Some' }] },
        'EventSelectors[0].ReadWriteType',
      ],
      ['one empty list alone', { EventSelectors: [] }, 'AdvancedEventSelectors'],
      [
        'a field selector without operators',
        { AdvancedEventSelectors: [{ FieldSelectors: [mgmt, { Field: 'readOnly' }] }] },
        'AdvancedEventSelectors[0].FieldSelectors[1]',
      ],
      [
        'FieldSelectors missing',
        { AdvancedEventSelectors: [{ Name: 'x' }] },
        'AdvancedEventSelectors[0].FieldSelectors',
      ],
    ];
    for (const [name, response, field] of refusals)
      it(`refuses ${name}, naming the field (never the default "all events")`, () => {
        expect(() => managementEventCoverage(response as never))
          .to.throw(MalformedResourceError)
          .with.property('field', field);
      });
  });

  describe('trailFacts', () => {
    const [orgTrail] = recorded<{ trailList: Trail[] }>(
      `${CT}/test_cloudtrail_set_logging__cloudtrail.DescribeTrails_1.json`,
    ).trailList;
    const stopped = recorded<GetTrailStatusResponse>(
      `${CT}/test_cloudtrail_set_logging__cloudtrail.GetTrailStatus_2.json`,
    );

    it('reads a recorded organization trail, its status and selectors', () => {
      const facts = trailFacts(
        orgTrail as Trail,
        stopped,
        selectors('test_cloudtrail_event_selectors__cloudtrail.GetEventSelectors_4'),
      );
      expect(facts).to.deep.include({
        name: 'orgTrail',
        arn: 'arn:aws:cloudtrail:us-east-1:644160558196:trail/orgTrail',
        homeRegion: 'us-east-1',
        isMultiRegion: true,
        isOrganizationTrail: true,
        isLogging: false,
        logFileValidation: true,
        kmsKeyId: undefined,
        cloudWatchLogsLogGroupArn: undefined,
        s3BucketName: 'c7n-vpc-flow-logs',
        unreadable: [],
      });
      expect(facts.managementEvents).to.deep.include({ read: true, write: true });
    });

    it('keeps unreadable status and selectors unknown, with the reason', () => {
      const facts = trailFacts(orgTrail as Trail, undefined, undefined, ['status: AccessDeniedException']);
      expect(facts.isLogging).to.equal(undefined);
      expect(facts.managementEvents).to.equal(undefined);
      expect(facts.unreadable).to.deep.equal(['status: AccessDeniedException']);
    });
  });

  it('uniqueTrails keeps one entry per trail ARN, in order', () => {
    const trails = recorded<{ trailList: Trail[] }>(
      `${CT}/test_cloudtrail_is_shadow_or_not__cloudtrail.DescribeTrails_1.json`,
    ).trailList;
    const [first, second] = trails;
    expect(uniqueTrails([...trails, first as Trail, second as Trail]).map((t) => t.Name)).to.deep.equal([
      'MultiRegion1CloudTrail',
      'MultiRegion2CloudTrail',
      'SingleCloudTrail',
    ]);
    expect(uniqueTrails([{ Name: 'a' }, { Name: 'a' }, { Name: 'b' }])).to.have.length(2);
  });
});
