import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ServerContext } from '../core/context.js';
import { openClusterConnection } from '../cluster/connection.js';
import { startClusterNode, type ClusterNode } from '../cluster/node.js';

/**
 * Joins the cluster when [cluster].redis is set; with no [cluster] nothing of it runs. Started
 * after the modules and before the listeners, so that this node knows the others' sessions
 * before its first client binds.
 */
export async function startCluster(config: Config, context: ServerContext, log: Logger, keyPrefix?: string): Promise<ClusterNode | null> {
  if (config.cluster.redis === '') return null;
  const connection = await openClusterConnection(config, log, keyPrefix);
  try {
    return await startClusterNode({ connection, ...context });
  } catch (error) {
    await connection.close();
    throw error;
  }
}
