import { lastValueFrom } from 'rxjs';
import { InProcessBus } from './in-process.bus';
import { InProcessClient } from './in-process.client';
import { PubSubClient } from './pubsub.client';
import { SEND_UNSUPPORTED } from './event-client.base';
import { PubSubRecord, emitNow, encodeEvent } from './pubsub-record.util';

describe('encodeEvent', () => {
  test('JSON in UTF-8, with the path copied to the `path` attribute', () => {
    const { data, attributes } = encodeEvent({ path: 'gs://b/logs/j/1', row: { note: 'é' } });
    expect(data.toString('utf8')).toBe('{"path":"gs://b/logs/j/1","row":{"note":"é"}}');
    expect(attributes).toEqual({ path: 'gs://b/logs/j/1' });
  });

  test('a PubSubRecord adds attributes (and may override path)', () => {
    expect(encodeEvent(new PubSubRecord({ path: 'gs://b/x/1' }, { source: 'relist' })).attributes).toEqual({ path: 'gs://b/x/1', source: 'relist' });
    expect(encodeEvent(new PubSubRecord({ path: 'gs://b/x/1' }, { path: 'other' })).attributes).toEqual({ path: 'other' });
  });

  test('no path, no attribute; unserializable data is refused', () => {
    expect(encodeEvent([1, 2]).attributes).toEqual({});
    expect(encodeEvent(null).attributes).toEqual({});
    expect(() => encodeEvent(undefined)).toThrow('event data is not JSON-serializable');
    expect(() => encodeEvent({ n: 10n })).toThrow(TypeError);
  });
});

describe('emit', () => {
  test('runs at once and replays the result to a late subscriber', async () => {
    let calls = 0;
    const emitted = emitNow(() => Promise.resolve(++calls));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBe(1);
    await expect(lastValueFrom(emitted)).resolves.toBe(1);
    await expect(lastValueFrom(emitted)).resolves.toBe(1);
    expect(calls).toBe(1);
  });

  test('send (request/response) is refused with a clear error, by both clients', async () => {
    const clients = [new PubSubClient({ projectId: 'kettle-test', apiEndpoint: '127.0.0.1:1' }), new InProcessClient(new InProcessBus())];
    for (const client of clients) {
      await expect(lastValueFrom(client.send('kettle-builds', {}))).rejects.toThrow(SEND_UNSUPPORTED);
      await client.close();
    }
  });

  test('the in-process client publishes JSON with attributes', async () => {
    const bus = new InProcessBus({ subscriptions: [{ subscription: 'kettle-transformer', topic: 'kettle-builds' }] });
    const id = await new InProcessClient(bus).publishEvent('kettle-builds', { path: 'gs://b/logs/j/7' });
    const [message] = bus.retained('kettle-transformer');
    expect(message).toMatchObject({ id, attributes: { path: 'gs://b/logs/j/7' } });
    expect(JSON.parse(message.data.toString('utf8'))).toEqual({ path: 'gs://b/logs/j/7' });
  });
});
