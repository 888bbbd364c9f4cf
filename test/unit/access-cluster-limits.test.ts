import { describe, expect, it } from 'vitest';
import { createAccessControl, type AccessRefusal, type Admission, type ClusterAccessLimits } from '../../server/access/control.js';
import type { Config } from '../../server/config/types.js';

const access = (overrides: Partial<Config['access']> = {}): Pick<Config, 'access'> => ({
  access: { allow: [], trusted_proxies: [], max_connections_per_address: 1, anonymous_logins_per_minute: 1, nick_checks_per_minute: 1, ...overrides },
});

/** Cluster counters that admit whatever their `admits` says and record what they were asked. */
function fakeCluster(admits: boolean): ClusterAccessLimits & { asked: string[] } {
  const asked: string[] = [];
  const admission: Admission = { release: () => {} };
  return {
    asked,
    connections: { limit: 0, admit: (address) => { asked.push(`connection ${address}`); return admits ? admission : null; } },
    guestLogins: { limit: 0, take: (address) => { asked.push(`login ${address}`); return admits; } },
    nickChecks: { limit: 0, take: (address) => { asked.push(`nick check ${address}`); return admits; } },
  };
}

describe('access control with cluster-wide limits', () => {
  it('counts connections on the cluster instead of in the process, and the per-minute limits on both', () => {
    const refusals: AccessRefusal[] = [];
    const control = createAccessControl(access({ anonymous_logins_per_minute: 2, nick_checks_per_minute: 2 }), Date.now, (reason) => refusals.push(reason));
    const cluster = fakeCluster(true);
    control.countAcrossCluster(cluster);
    // Beyond the process's own limit of one connection: the cluster decides.
    expect([control.admit('192.0.2.1'), control.admit('192.0.2.1')].every(Boolean)).toBe(true);
    expect([control.takeAnonymousLogin('192.0.2.1'), control.takeNickCheck('192.0.2.1')]).toEqual([true, true]);
    expect(cluster.asked).toEqual(['connection 192.0.2.1', 'connection 192.0.2.1', 'login 192.0.2.1', 'nick check 192.0.2.1']);

    // The cluster refuses: nothing counted here either.
    control.countAcrossCluster(fakeCluster(false));
    expect(control.admit('192.0.2.1')).toBeNull();
    expect(control.takeAnonymousLogin('192.0.2.1')).toBe(false);
    expect(control.takeNickCheck('192.0.2.1')).toBe(false);
    expect(refusals).toEqual(['connections-per-address', 'guest-sign-ins-per-minute']);
  });

  it('a cluster count that stopped growing (Redis unreachable) never lifts a per-minute limit: the process holds it alone', () => {
    const refusals: AccessRefusal[] = [];
    const control = createAccessControl(access({ anonymous_logins_per_minute: 3, nick_checks_per_minute: 2 }), Date.now, (reason) => refusals.push(reason));
    const cluster = fakeCluster(true); // what a counter says when its Redis commands all fail: yes, every time
    control.countAcrossCluster(cluster);
    expect([1, 2, 3, 4].map(() => control.takeAnonymousLogin('192.0.2.1'))).toEqual([true, true, true, false]);
    expect([1, 2, 3].map(() => control.takeNickCheck('192.0.2.1'))).toEqual([true, true, false]);
    // Once the process refuses, the cluster is not asked (and counts nothing more).
    expect(cluster.asked.filter((asked) => asked.startsWith('login'))).toHaveLength(3);
    expect(refusals).toEqual(['guest-sign-ins-per-minute']);
    // Another network has its own count.
    expect(control.takeAnonymousLogin('198.51.100.1')).toBe(true);
  });

  it('keeps the allowlist local (config) and asks the cluster nothing for a refused address', () => {
    const refusals: AccessRefusal[] = [];
    const control = createAccessControl(access({ allow: ['10.0.0.0/8'] }), Date.now, (reason) => refusals.push(reason));
    const cluster = fakeCluster(true);
    control.countAcrossCluster(cluster);
    expect(control.admit('192.0.2.1')).toBeNull();
    expect(cluster.asked).toEqual([]);
    expect(refusals).toEqual(['allowlist']);
  });

  it('a reload sets the new limits on the cluster counters; without the cluster the process counts again', () => {
    const control = createAccessControl(access());
    const cluster = fakeCluster(true);
    control.countAcrossCluster(cluster);
    control.reconfigure(access({ max_connections_per_address: 7, anonymous_logins_per_minute: 9, nick_checks_per_minute: 11 }));
    expect([cluster.connections.limit, cluster.guestLogins.limit, cluster.nickChecks.limit]).toEqual([7, 9, 11]);
    control.countAcrossCluster(null);
    control.reconfigure(access());
    expect(control.admit('192.0.2.1')).not.toBeNull();
    expect(control.admit('192.0.2.1')).toBeNull();
  });
});
