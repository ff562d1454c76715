import { startMoto } from '../shared/aws/moto';
import { AwsClients } from '../shared/aws/clients';
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { DescribeSecurityGroupsCommand, CreateSecurityGroupCommand, AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
(async () => {
  const moto = await startMoto();
  try {
    const aws = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    let t = Date.now();
    await Promise.all(Array.from({ length: 8 }, async (_, w) => { for (let i = w; i < 200; i += 8) await aws.get('s3').send(new CreateBucketCommand({ Bucket: `b-${i}` })); }));
    console.log('200 buckets', Date.now() - t, 'ms');
    t = Date.now();
    await Promise.all(Array.from({ length: 8 }, async (_, w) => { for (let i = w; i < 200; i += 8) { const g = await aws.get('ec2').send(new CreateSecurityGroupCommand({ GroupName: `g-${i}`, Description: 'x' })); await aws.get('ec2').send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })); } }));
    console.log('200 sgs', Date.now() - t, 'ms');
    const l = await aws.get('s3').send(new ListBucketsCommand({ MaxBuckets: 1000 }));
    console.log(l.Buckets?.[0], l.ContinuationToken);
    console.log((await aws.get('iam').send(new GetAccountSummaryCommand({}))).SummaryMap);
    const d = await aws.get('ec2').send(new DescribeSecurityGroupsCommand({}));
    console.log('sgs', d.SecurityGroups?.length, d.NextToken);
  } finally { await moto.stop(); }
})();
