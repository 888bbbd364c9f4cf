// One cluster node in a child process, so that a test can kill -9 it: the built server
// (dist/), a config object from PALAVER_TEST_NODE (JSON), and the cluster set on the parsed
// config (the config check refuses [cluster].redis with SQLite; see helpers/cluster.ts).
import { configFromObject } from '../../dist/server/config/load.js';
import { startServer } from '../../dist/server/startup/server.js';

const { input, dataDir, redis, node, prefix, friends } = JSON.parse(process.env.PALAVER_TEST_NODE);
const config = configFromObject(input, dataDir);
config.cluster = { redis, node, workers: 1 };
const server = await startServer(config, { clusterKeyPrefix: prefix });
// Roster items the shared PostgreSQL will hold: pairs of bare JIDs subscribed both ways.
for (const [x, y] of friends) {
  server.context.storage.rosters.putItem(x, { jid: y, subscription: 'both', groups: [] });
  server.context.storage.rosters.putItem(y, { jid: x, subscription: 'both', groups: [] });
}
process.stderr.write(`READY ${JSON.stringify({ c2s: server.addresses.c2s.port, http: server.addresses.http.port, member: server.cluster.member })}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
