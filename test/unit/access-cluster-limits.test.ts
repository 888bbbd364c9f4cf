import { describe, expect, it } from 'vitest';
import { createAccessControl, type AccessRefusal, type Admission, type ClusterAccessLimits } from '../../server/access/control.js';
import type { Config } from '../../server/config/types.js';

const access = (overrides: Partial<Config['access']> = {}): Pick<Config, 'access'> => ({
  access: { allow: [], trusted_proxies: [], max_connections_per_address: 1, anonymous_logins_per_minute: 1, ...overrides },
});

/** Cluster counters that admit whatever their `admits` says and record what they were asked. */
function fakeCluster(admits: boolean): ClusterAccessLimits & { asked: string[] } {
  const asked: string[] = [];
  const admission: Admission = { release: () => {} };
  return {
    asked,
    connections: { limit: 0, admit: (address) => { asked.push(`connection ${address}`); return admits ? admission : null; } },
    guestLogins: { limit: 0, take: (address) => { asked.push(`login ${address}`); return admits; } },
  };
}

describe('access control with cluster-wide limits', () => {
  it('counts connections and guest sign-ins on the cluster instead of in the process', () => {
    const refusals: AccessRefusal[] = [];
    const control = createAccessControl(access(), Date.now, (reason) => refusals.push(reason));
    const cluster = fakeCluster(true);
    control.countAcrossCluster(cluster);
    // Beyond the process's own limit of one: the cluster decides.
    expect([control.admit('192.0.2.1'), control.admit('192.0.2.1')].every(Boolean)).toBe(true);
    expect([control.takeAnonymousLogin('192.0.2.1'), control.takeAnonymousLogin('192.0.2.1')]).toEqual([true, true]);
    expect(cluster.asked).toEqual(['connection 192.0.2.1', 'connection 192.0.2.1', 'login 192.0.2.1', 'login 192.0.2.1']);

    control.countAcrossCluster(fakeCluster(false));
    expect(control.admit('192.0.2.1')).toBeNull();
    expect(control.takeAnonymousLogin('192.0.2.1')).toBe(false);
    expect(refusals).toEqual(['connections-per-address', 'guest-sign-ins-per-minute']);
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
    control.reconfigure(access({ max_connections_per_address: 7, anonymous_logins_per_minute: 9 }));
    expect([cluster.connections.limit, cluster.guestLogins.limit]).toEqual([7, 9]);
    control.countAcrossCluster(null);
    control.reconfigure(access());
    expect(control.admit('192.0.2.1')).not.toBeNull();
    expect(control.admit('192.0.2.1')).toBeNull();
  });
});
