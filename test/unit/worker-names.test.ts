import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../server/config/load.js';
import type { Config } from '../../server/config/types.js';
import { workerCount, workerNodeName } from '../../server/startup/workers.js';

function withNode(node: string): Config {
  const config = defaultConfig();
  return { ...config, cluster: { ...config.cluster, node } };
}

describe('worker count and node names', () => {
  it('takes "auto" as one worker per core', () => {
    expect(workerCount('auto')).toBe(os.availableParallelism());
    expect(workerCount(3)).toBe(3);
  });

  it('names a worker after [cluster].node, or the host name and the primary pid, and its index', () => {
    expect(workerNodeName(withNode('eu-1'), 2)).toBe('eu-1-2');
    expect(workerNodeName(withNode(''), 1, 4242, 'chat.example')).toBe('chat.example-4242-1');
  });

  it('keeps the name within [cluster].node\'s alphabet and length', () => {
    expect(workerNodeName(withNode(''), 3, 7, 'host_with spaces+plus')).toBe('host-with-spaces-plus-7-3');
    const long = workerNodeName(withNode('n'.repeat(64)), 12);
    expect(long).toHaveLength(64);
    expect(long.endsWith('-12')).toBe(true);
  });
});
