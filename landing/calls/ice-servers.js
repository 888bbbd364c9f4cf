// The STUN and TURN servers for a call, from the user's own server (XEP-0215 external service
// discovery; Palaver hands out coturn credentials). With none, the browsers connect directly:
// the page never falls back to a third-party STUN server.

const NS_EXTDISCO = 'urn:xmpp:extdisco:2';

function urlOf(service) {
  const host = service.getAttribute('host');
  const name = host.includes(':') ? `[${host}]` : host;
  const transport = service.getAttribute('transport');
  const query = service.getAttribute('type').startsWith('turn') && transport ? `?transport=${transport}` : '';
  return `${service.getAttribute('type')}:${name}:${service.getAttribute('port') ?? 3478}${query}`;
}

/** RTCIceServer entries for what the domain offers; [] if it offers nothing or does not answer. */
export async function iceServers(api, env, domain) {
  let result;
  try {
    result = await api.sendIQ(env.$iq({ type: 'get', to: domain }).c('services', { xmlns: NS_EXTDISCO }), 10_000);
  } catch {
    return [];
  }
  return [...result.querySelectorAll('services > service')]
    .filter((service) => ['stun', 'stuns', 'turn', 'turns'].includes(service.getAttribute('type')))
    .map((service) => ({
      urls: urlOf(service),
      ...(service.getAttribute('username') ? { username: service.getAttribute('username'), credential: service.getAttribute('password') } : {}),
    }));
}
