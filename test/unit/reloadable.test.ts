import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { applyLiveSettings, isLiveSetting, LIVE_SETTINGS, planReload } from '../../server/config/reloadable.js';

const base = () => configFromObject({ server: { data_dir: '/tmp/palaver-plan' } }, '/tmp');

describe('what a reload applies', () => {
  it('names only keys the config has', () => {
    const config = base() as unknown as Record<string, Record<string, unknown>>;
    for (const key of LIVE_SETTINGS) {
      const [section, name] = key.split('.') as [string, string | undefined];
      expect(config, key).toHaveProperty(section);
      if (name !== undefined) expect(config[section], key).toHaveProperty(name);
    }
  });

  it('sorts changed keys into live and restart, and applies the live ones in place', () => {
    const current = base();
    const next = configFromObject({
      server: { data_dir: '/tmp/palaver-plan', domain: 'chat.example' },
      access: { allow: ['10.0.0.0/8'] },
      limits: { read_rate: '20KiB', max_stanza_size: '1MiB' },
      channels: [{ name: 'lobby' }],
      auth: { jwt: { mode: 'optional', secret: 'x'.repeat(32) } },
    }, '/tmp');
    const plan = planReload(current, next);
    expect(plan.live).toEqual(['access.allow', 'channels', 'limits.read_rate']);
    expect(plan.needsRestart).toEqual(expect.arrayContaining(['auth.jwt.mode', 'auth.jwt.secret', 'limits.max_stanza_size', 'server.domain']));
    expect(plan.needsRestart).not.toContain('source');

    const accessSection = current.access;
    applyLiveSettings(current, next, plan.live);
    expect(current.access).toBe(accessSection);
    expect(current.access.allow).toEqual(['10.0.0.0/8']);
    expect(current.channels.map((channel) => channel.name)).toEqual(['lobby']);
    expect(current.limits.read_rate).toBe(20 * 1024);
    expect(current.limits.max_stanza_size).not.toBe(1024 * 1024);
    expect(current.server.domain).toBe('localhost');
    // Applied values are copies: changing the new config later does not reach the running one.
    next.access.allow.push('192.168.0.0/16');
    expect(current.access.allow).toEqual(['10.0.0.0/8']);
  });

  it('an unchanged file changes nothing', () => {
    expect(planReload(base(), base())).toEqual({ live: [], needsRestart: [] });
  });

  it('matches whole sections and single keys, not prefixes of names', () => {
    expect(isLiveSetting('access.allow')).toBe(true);
    expect(isLiveSetting('limits.read_rate')).toBe(true);
    expect(isLiveSetting('limits.max_stanza_size')).toBe(false);
    expect(isLiveSetting('logging')).toBe(false);
  });
});
