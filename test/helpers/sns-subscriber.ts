import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message SNS delivered over HTTP (its JSON body). */
export interface SnsDelivery {
  Type: string;
  Subject?: string;
  Message: string;
  TopicArn: string;
  SubscribeURL?: string;
}

/**
 * A real HTTP subscriber on 127.0.0.1 and a free port: every POST body SNS sends is kept. A subscription
 * confirmation is answered by fetching its SubscribeURL, as a real endpoint must.
 * @example
 * const subscriber = await startSubscriber();
 * await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
 */
export async function startSubscriber(): Promise<{
  url: string;
  deliveries: SnsDelivery[];
  next(): Promise<SnsDelivery>;
  close(): Promise<void>;
}> {
  const deliveries: SnsDelivery[] = [];
  const waiting: ((d: SnsDelivery) => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      res.writeHead(200).end();
      const delivery = JSON.parse(body) as SnsDelivery;
      if (delivery.Type === 'SubscriptionConfirmation' && delivery.SubscribeURL) {
        await fetch(delivery.SubscribeURL).catch(() => undefined);
        return;
      }
      deliveries.push(delivery);
      waiting.shift()?.(delivery);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sns`,
    deliveries,
    next: () =>
      new Promise((resolve, reject) => {
        const already = deliveries.shift();
        if (already) return resolve(already);
        const timer = setTimeout(() => reject(new Error('no SNS delivery arrived')), 15_000);
        waiting.push((d) => {
          clearTimeout(timer);
          deliveries.splice(deliveries.indexOf(d), 1);
          resolve(d);
        });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
