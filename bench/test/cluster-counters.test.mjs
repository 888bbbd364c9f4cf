/** What bench/cluster.mjs counts: Redis deltas between two INFO readings, and a process tree. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { processTree } from '../lib/proc.mjs';
import { RedisCounters } from '../lib/redis-counters.mjs';

const reading = (calls, inputBytes, outputBytes) => ({ calls, inputBytes, outputBytes, cpuMs: null });

test('the Redis delta counts commands by name, leaves out the readings\' own INFO and unchanged names', () => {
  const counters = new RedisCounters('redis://127.0.0.1:1', null); // lazy: never connects here
  try {
    const delta = counters.between(
      reading({ publish: 10, info: 4, get: 3 }, 1000, 2000),
      reading({ publish: 25, info: 6, get: 3, hset: 2 }, 4000, 2500),
    );
    assert.deepEqual(delta.calls, { publish: 15, hset: 2 });
    assert.equal(delta.commands, 17);
    assert.equal(delta.input_bytes, 3000);
    assert.equal(delta.output_bytes, 500);
    assert.equal(delta.cpu_ms, null);
  } finally {
    counters.close();
  }
});

test('a process tree holds the process and the children it started', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  try {
    const tree = processTree(process.pid);
    assert.equal(tree[0], process.pid);
    assert.ok(tree.includes(child.pid), `child ${child.pid} missing from ${tree.join(',')}`);
    assert.ok(!processTree(child.pid).includes(process.pid));
  } finally {
    child.kill();
  }
});
