import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../serve/protocol.js';
import { listen, type Connection } from './events.js';
import type { Fetch } from './session.js';

/** A stream that sends `frames`, then ends (the server went away) unless `open`. */
function stream(frames: string[], open = false): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      if (!open) controller.close();
    },
  });
}

const frame = (id: number, event: Partial<ServerEvent> & { type: string }) =>
  `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event, id })}\n\n`;

/** Answers each connection in turn; records the Last-Event-ID each sent. */
function server(answers: (() => Response)[]) {
  const lastIds: (string | null)[] = [];
  const fetchFn: Fetch = (_url, init) => {
    lastIds.push(new Headers(init.headers).get('Last-Event-ID'));
    const answer = answers.shift();
    return answer ? Promise.resolve(answer()) : new Promise(() => {});
  };
  return { fetchFn, lastIds };
}

/** Lets the listener's promises run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the page listening to the server', () => {
  it('reads events in order, and after a lost stream resumes after the last id, saying lost then back', async () => {
    const { fetchFn, lastIds } = server([
      () =>
        new Response(
          stream([':ok\n\n', frame(1, { type: 'catalog.changed' }), frame(2, { type: 'job.started' })]),
        ),
      () => new Response(stream([frame(3, { type: 'job.finished' })], true)),
    ]);
    const events: number[] = [];
    const connections: Connection[] = [];
    const waits: number[] = [];
    const stop = listen(
      (event) => events.push(event.id),
      (connection) => connections.push(connection),
      { fetch: fetchFn, wait: (ms) => (waits.push(ms), Promise.resolve()) },
    );
    for (let i = 0; i < 10; i++) await settle();
    stop();
    expect(events).toEqual([1, 2, 3]);
    expect(connections).toEqual(['lost', 'back']);
    expect(lastIds).toEqual([null, '2']);
    expect(waits).toEqual([2000]);
  });

  it('a refused stream (401: a server started again) is closed, and not tried again', async () => {
    const { fetchFn, lastIds } = server([() => new Response('no', { status: 401 })]);
    const connections: Connection[] = [];
    listen(
      () => {},
      (connection) => connections.push(connection),
      {
        fetch: fetchFn,
        wait: () => Promise.resolve(),
      },
    );
    for (let i = 0; i < 5; i++) await settle();
    expect(connections).toEqual(['closed']);
    expect(lastIds).toHaveLength(1);
  });

  it('an unreachable server is lost, tried again as the server asks (retry:), and back when it answers', async () => {
    const { fetchFn } = server([
      () => new Response(stream(['retry: 500\n\n'])),
      () => {
        throw new TypeError('connection refused');
      },
      () => new Response(stream([frame(9, { type: 'catalog.changed' })], true)),
    ]);
    const connections: Connection[] = [];
    const waits: number[] = [];
    const events: number[] = [];
    const stop = listen(
      (event) => events.push(event.id),
      (connection) => connections.push(connection),
      {
        fetch: fetchFn,
        wait: (ms) => (waits.push(ms), Promise.resolve()),
      },
    );
    for (let i = 0; i < 10; i++) await settle();
    stop();
    expect(connections).toEqual(['lost', 'back']);
    expect(waits).toEqual([500, 500]);
    expect(events).toEqual([9]);
  });
});
