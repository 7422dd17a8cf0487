import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionGate } from '../../Sources/WriterAssistantWebApp/Site/js/connection-gate.mjs';

test('no more than the limit hold a connection; the rest start in order as others finish', async () => {
  const gate = new ConnectionGate(2);
  const started = [];
  const runs = [1, 2, 3, 4].map((rater) => gate.acquire().then(() => started.push(rater)));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(started, [1, 2]);
  assert.equal(gate.waiting, 2);
  gate.release();
  await runs[2];
  assert.deepEqual(started, [1, 2, 3]);
  gate.release();
  await runs[3];
  assert.deepEqual(started, [1, 2, 3, 4]);
});

test('a waiter that is cancelled leaves the line without taking a connection', async () => {
  const gate = new ConnectionGate(1);
  await gate.acquire();
  const controller = new AbortController();
  const waiting = gate.acquire(controller.signal);
  const next = gate.acquire();
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  gate.release();
  await next;
  assert.equal(gate.waiting, 0);
});
