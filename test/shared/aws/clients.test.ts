import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { expect } from 'chai';
import { AwsClients, DEFAULT_MAX_ATTEMPTS } from '../../../shared/aws/clients';
import { CloudTrail } from '../../../shared/aws/services/cloudtrail';
import { ConfigService } from '../../../shared/aws/services/config';
import { EC2 } from '../../../shared/aws/services/ec2';
import { S3 } from '../../../shared/aws/services/s3';
import { S3Control } from '../../../shared/aws/services/s3control';
import { STS } from '../../../shared/aws/services/sts';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const CALLER_IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

const ACCOUNT_BPA = `<?xml version="1.0" encoding="UTF-8"?>
<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">
  <BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>
  <BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>
</PublicAccessBlockConfiguration>`;

/**
 * A local HTTP endpoint that records every request it receives. It answers STS GetCallerIdentity and S3 Control
 * GetPublicAccessBlock like AWS does, everything else with an empty 200, or with `status` when set.
 */
function useRecordingEndpoint() {
  const state = { server: undefined as Server | undefined, requests: [] as SeenRequest[], status: 200 };
  before(async () => {
    state.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (state.status !== 200) {
          res.writeHead(state.status, { 'content-type': 'text/xml' });
          res.end(
            '<ErrorResponse><Error><Code>InternalError</Code><Message>boom</Message></Error></ErrorResponse>',
          );
        } else if (body.includes('Action=GetCallerIdentity')) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(CALLER_IDENTITY);
        } else if (req.url?.startsWith('/v20180820/configuration/publicAccessBlock')) {
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(ACCOUNT_BPA);
        } else {
          res.writeHead(200);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => state.server?.listen(0, '127.0.0.1', resolve));
  });
  beforeEach(() => {
    state.requests = [];
    state.status = 200;
  });
  after(async () => {
    await new Promise((resolve) => state.server?.close(resolve));
  });
  const port = () => {
    if (!state.server) throw new Error('the recording endpoint is not listening');
    return (state.server.address() as AddressInfo).port;
  };
  return {
    get endpoint() {
      return `http://127.0.0.1:${port()}`;
    },
    get host() {
      return `127.0.0.1:${port()}`;
    },
    get requests() {
      return state.requests;
    },
    set status(status: number) {
      state.status = status;
    },
  };
}

async function settle(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (error) {
    return error;
  }
}

describe('shared/aws/clients', () => {
  const local = useRecordingEndpoint();
  const savedEndpoint = process.env.AWS_ENDPOINT_URL;
  afterEach(() => {
    if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = savedEndpoint;
  });

  describe('endpoint override', () => {
    it('sends every request to an explicit endpoint', async () => {
      // Prepare
      const aws = new AwsClients({ region: 'eu-west-1', endpoint: local.endpoint });
      // Act
      const identity = await aws.get(STS).send(new GetCallerIdentityCommand({}));
      await settle(aws.get(EC2).send(new DescribeSecurityGroupsCommand({})));
      // Assess
      expect(identity.Account).to.equal('123456789012');
      expect(local.requests.map((r) => r.headers.host)).to.deep.equal([local.host, local.host]);
      expect(local.requests[1]?.body).to.include('Action=DescribeSecurityGroups');
    });

    it('takes AWS_ENDPOINT_URL when no endpoint is given', async () => {
      process.env.AWS_ENDPOINT_URL = local.endpoint;
      const aws = new AwsClients({ region: 'us-east-1' });
      expect(aws.endpoint).to.equal(local.endpoint);
      await aws.get(STS).send(new GetCallerIdentityCommand({}));
      expect(local.requests).to.have.length(1);
    });

    it('an explicit endpoint wins over AWS_ENDPOINT_URL', () => {
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
      expect(new AwsClients({ region: 'us-east-1', endpoint: local.endpoint }).endpoint).to.equal(
        local.endpoint,
      );
    });

    it('an empty AWS_ENDPOINT_URL means AWS itself', async () => {
      process.env.AWS_ENDPOINT_URL = '';
      const aws = new AwsClients({ region: 'us-east-1' });
      expect(aws.endpoint).to.equal(undefined);
      expect((await aws.get(STS).config.endpoint?.())?.hostname).to.not.equal('127.0.0.1');
    });

    it('keeps the endpoint for other credentials and other regions', async () => {
      const aws = new AwsClients({ region: 'us-east-1', endpoint: local.endpoint });
      const member = aws.withCredentials({ accessKeyId: 'ASIAMEMBER', secretAccessKey: 'secret' });
      const other = aws.inRegion('ap-southeast-2');
      await member.get(STS).send(new GetCallerIdentityCommand({}));
      await other.get(STS).send(new GetCallerIdentityCommand({}));
      expect(local.requests.map((r) => r.headers.host)).to.deep.equal([local.host, local.host]);
      expect(local.requests[0]?.headers.authorization).to.include('Credential=ASIAMEMBER/');
      expect(local.requests[1]?.headers.authorization).to.include('/ap-southeast-2/sts/aws4_request');
    });
  });

  describe('retries', () => {
    it('uses the adaptive retry mode with more attempts than the SDK default of 3', async () => {
      const sts = new AwsClients({ region: 'us-east-1' }).get(STS);
      expect(DEFAULT_MAX_ATTEMPTS).to.be.greaterThan(3);
      expect(await sts.config.maxAttempts()).to.equal(DEFAULT_MAX_ATTEMPTS);
      const strategy = await sts.config.retryStrategy();
      expect((strategy as { mode?: string }).mode).to.equal('adaptive');
    });

    it('retries a failing call up to maxAttempts times, counting it once', async () => {
      // Prepare: the endpoint answers every request with HTTP 500.
      local.status = 500;
      const counted: string[] = [];
      const aws = new AwsClients({
        region: 'us-east-1',
        endpoint: local.endpoint,
        maxAttempts: 4,
        onCall: (service, operation) => counted.push(`${service}:${operation}`),
      });
      // Act
      const error = (await settle(aws.get(STS).send(new GetCallerIdentityCommand({})))) as {
        $metadata?: { attempts?: number };
      };
      // Assess
      expect(local.requests).to.have.length(4);
      expect(error.$metadata?.attempts).to.equal(4);
      expect(counted).to.deep.equal(['sts:GetCallerIdentity']);
    });
  });

  describe('S3', () => {
    it('uses path-style addressing against a custom endpoint', async () => {
      const aws = new AwsClients({ region: 'us-east-1', endpoint: local.endpoint });
      await settle(aws.get(S3).send(new HeadBucketCommand({ Bucket: 'my-bucket' })));
      expect(local.requests).to.have.length(1);
      expect(local.requests[0]?.headers.host).to.equal(local.host);
      expect(local.requests[0]?.url).to.match(/^\/my-bucket/);
    });

    it('keeps virtual-hosted addressing against AWS', () => {
      expect(new AwsClients({ region: 'us-east-1' }).get(S3).config.forcePathStyle).to.equal(false);
    });
  });

  describe('S3 Control', () => {
    it('reaches a custom endpoint without the account-id host prefix', async () => {
      // Act
      const aws = new AwsClients({ region: 'us-east-1', endpoint: local.endpoint });
      const out = await aws
        .get(S3Control)
        .send(new GetPublicAccessBlockCommand({ AccountId: '123456789012' }));
      // Assess: the request reached the endpoint's own host; the account travels in the header.
      expect(local.requests).to.have.length(1);
      const [request] = local.requests;
      expect(request?.headers.host).to.equal(local.host);
      expect(request?.url).to.equal('/v20180820/configuration/publicAccessBlock');
      expect(request?.headers['x-amz-account-id']).to.equal('123456789012');
      expect(out.PublicAccessBlockConfiguration).to.deep.equal({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      });
    });

    it('keeps the account-id host prefix against AWS', async () => {
      const s3control = new AwsClients({ region: 'eu-west-1' }).get(S3Control);
      const endpoint = s3control.config.endpointProvider(
        { Region: 'eu-west-1', AccountId: '123456789012', RequiresAccountId: true },
        {},
      );
      expect(endpoint.url.hostname).to.equal('123456789012.s3-control.eu-west-1.amazonaws.com');
    });
  });

  describe('onCall', () => {
    it('is called once per operation with the service and operation names', async () => {
      const counted: [string, string][] = [];
      const aws = new AwsClients({
        region: 'us-east-1',
        endpoint: local.endpoint,
        onCall: (service, operation) => counted.push([service, operation]),
      });
      await aws.get(STS).send(new GetCallerIdentityCommand({}));
      await aws.get(STS).send(new GetCallerIdentityCommand({}));
      await settle(aws.get(EC2).send(new DescribeSecurityGroupsCommand({})));
      await aws
        .withCredentials({ accessKeyId: 'a', secretAccessKey: 'b' })
        .get(STS)
        .send(new GetCallerIdentityCommand({}));
      expect(counted).to.deep.equal([
        ['sts', 'GetCallerIdentity'],
        ['sts', 'GetCallerIdentity'],
        ['ec2', 'DescribeSecurityGroups'],
        ['sts', 'GetCallerIdentity'],
      ]);
    });
  });

  describe('clients and credentials', () => {
    it('makes each client once and reuses it', () => {
      const aws = new AwsClients({ region: 'us-east-1' });
      expect(aws.get(EC2)).to.equal(aws.get(EC2));
      expect(aws.get(EC2)).to.not.equal(aws.inRegion('us-east-1').get(EC2));
    });

    it('sets the region on every client', async () => {
      const aws = new AwsClients({ region: 'ap-northeast-1' });
      for (const service of [ConfigService, EC2, S3, S3Control, STS, CloudTrail])
        expect(
          await aws.get<{ config: { region: () => Promise<string> } }>(service).config.region(),
        ).to.equal('ap-northeast-1');
    });

    it('falls back to the default credential chain', async () => {
      const credentials = await new AwsClients({ region: 'us-east-1' }).get(STS).config.credentials();
      expect(credentials.accessKeyId).to.equal(process.env.AWS_ACCESS_KEY_ID);
    });

    it('reads a named profile from the shared credentials file', async () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'rebaseline-profile-'));
      const saved = process.env.AWS_SHARED_CREDENTIALS_FILE;
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
      writeFileSync(
        process.env.AWS_SHARED_CREDENTIALS_FILE,
        '[audit]\naws_access_key_id = AKIAPROFILEEXAMPLE\naws_secret_access_key = profile-secret\n',
      );
      try {
        // Act
        const credentials = await new AwsClients({ region: 'us-east-1', profile: 'audit' })
          .get(STS)
          .config.credentials();
        // Assess
        expect(credentials).to.deep.include({
          accessKeyId: 'AKIAPROFILEEXAMPLE',
          secretAccessKey: 'profile-secret',
        });
      } finally {
        if (saved === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
        else process.env.AWS_SHARED_CREDENTIALS_FILE = saved;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('withCredentials replaces the profile with the given credentials', async () => {
      const aws = new AwsClients({ region: 'us-east-1', profile: 'does-not-exist' }).withCredentials({
        accessKeyId: 'ASIAASSUMED',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
      expect(await aws.get(ConfigService).config.credentials()).to.deep.include({
        accessKeyId: 'ASIAASSUMED',
        sessionToken: 'token',
      });
    });
  });
});
