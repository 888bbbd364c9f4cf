import type { Logger } from '../log.js';
import type { StreamContext } from '../stream/context.js';
import type { ClusterNode } from '../cluster/node.js';
import { ClusterConnectionLimit } from '../access/cluster-connection-limit.js';
import { ClusterNetworkRate } from '../access/cluster-network-rate.js';
import { ClusterAuthThrottle } from '../access/cluster-auth-throttle.js';

/** The key of the hashes in Redis: in shared storage, so every node hashes alike. */
const CLUSTER_LIMITS_SECRET = 'cluster-limits';
/** A Redis outage fails every admission's update: one warning per this long is enough. */
const WARN_EVERY_MS = 10_000;

export interface ClusterLimits {
  stop(): Promise<void>;
}

/**
 * On a cluster, [access].max_connections_per_address, anonymous_logins_per_minute,
 * nick_checks_per_minute and the SASL failure throttle ([limits].sasl_failures_*) count over
 * every node (through Redis); each node keeps its own count beside, which holds alone while
 * Redis cannot be reached (a limit never lifts with an outage). The allowlist is config: each
 * node reads its own file. Started before the listeners, stopped after them.
 */
export async function startClusterLimits(context: StreamContext, cluster: ClusterNode, log: Logger): Promise<ClusterLimits> {
  const { config, storage } = context;
  const secret = (): Buffer => storage.secrets.secret(CLUSTER_LIMITS_SECRET);
  let lastWarning = -Infinity;
  const onError = (error: unknown): void => {
    if (Date.now() - lastWarning < WARN_EVERY_MS) return;
    lastWarning = Date.now();
    log.warn({ err: error }, 'cluster: the per-address limits could not reach Redis; this node goes on with the counts it knows and holds each address to the limits alone');
  };
  const connections = new ClusterConnectionLimit({
    cluster: cluster.connection,
    node: cluster.member,
    secret,
    limit: config.access.max_connections_per_address,
    onError,
  });
  await connections.start();
  const rate = (name: string, limit: number): ClusterNetworkRate =>
    new ClusterNetworkRate({ cluster: cluster.connection, name, secret, limit, now: context.now, onError });
  const guestLogins = rate('logins', config.access.anonymous_logins_per_minute);
  const nickChecks = rate('nick-checks', config.access.nick_checks_per_minute);
  context.access.countAcrossCluster({ connections, guestLogins, nickChecks });

  let running = true;
  // A reload with new SASL limits puts a new local throttle in place (startup/reload.ts): wrap it again.
  const wrapAuthThrottle = (): void => {
    if (!running || context.authThrottle instanceof ClusterAuthThrottle) return;
    context.authThrottle = new ClusterAuthThrottle(context.authThrottle, {
      cluster: cluster.connection,
      secret,
      perAddress: config.limits.sasl_failures_per_minute,
      perAccount: config.limits.sasl_failures_per_account_per_minute,
      now: context.now,
      onError,
    });
  };
  wrapAuthThrottle();
  context.events.on('config-reloaded', wrapAuthThrottle);

  return {
    async stop() {
      running = false;
      context.access.countAcrossCluster(null);
      const throttle = context.authThrottle;
      if (throttle instanceof ClusterAuthThrottle) {
        context.authThrottle = throttle.local;
        await throttle.settled();
      }
      await Promise.all([guestLogins.settled(), nickChecks.settled()]);
      await connections.stop().catch(onError);
    },
  };
}
