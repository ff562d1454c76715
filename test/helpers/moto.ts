import { type MotoServer, startMoto } from '../../app/moto';

export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * One moto_server for a test file: started before, reset between tests, stopped after.
 * @example
 * const moto = useMoto();
 * it('…', async () => { const aws = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint }); … });
 */
export function useMoto(): { readonly endpoint: string; readonly server: MotoServer } {
  const state: { server?: MotoServer } = {};
  before(async function () {
    this.timeout(60_000);
    state.server = await startMoto();
  });
  beforeEach(async () => {
    await state.server?.reset();
  });
  after(async () => {
    await state.server?.stop();
  });
  return {
    get endpoint() {
      if (!state.server) throw new Error('moto_server is not running');
      return state.server.endpoint;
    },
    get server() {
      if (!state.server) throw new Error('moto_server is not running');
      return state.server;
    },
  };
}
