/** A STUN or TURN server as XEP-0215 describes it, read from a [calls] URI (RFC 7064 / RFC 7065). */
export interface StunTurnServer {
  type: 'stun' | 'stuns' | 'turn' | 'turns';
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
}

const DEFAULT_PORT = { stun: 3478, turn: 3478, stuns: 5349, turns: 5349 } as const;

/**
 * The servers one URI stands for: a URI without `?transport=` offers UDP and TCP (coturn
 * listens on both), except the TLS schemes, which are TCP. The config check has already
 * held the URI to `scheme:host[:port][?transport=udp|tcp]`.
 */
export function serversOf(uri: string): StunTurnServer[] {
  const match = /^(stuns?|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(uri);
  if (!match) return [];
  const type = match[1] as StunTurnServer['type'];
  const host = match[2]!.replace(/^\[|\]$/g, '');
  const port = match[3] === undefined ? DEFAULT_PORT[type] : Number(match[3]);
  const secure = type === 'stuns' || type === 'turns';
  const transports: StunTurnServer['transport'][] = match[4] ? [match[4] as 'udp' | 'tcp'] : secure ? ['tcp'] : ['udp', 'tcp'];
  return transports.map((transport) => ({ type, host, port, transport }));
}
