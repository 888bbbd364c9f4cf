import type { Redis } from 'ioredis';

/** The cluster's Redis connection and the key prefix every key of this cluster starts with. */
export interface ClusterRedis {
  redis: Redis;
  prefix: string;
}
