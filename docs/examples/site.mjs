// site.mjs: npm install jose; PALAVER_JWT_SECRET="a long random string" node site.mjs
import http from 'node:http';
import { SignJWT } from 'jose';

const CHAT = process.env.PALAVER_URL ?? 'https://chat.example';  // Palaver's public_url
const SECRET = new TextEncoder().encode(process.env.PALAVER_JWT_SECRET);

function chatToken(user) {
  return new SignJWT({ nick: user.name, op: user.moderator })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(user.id))
    .setIssuer('https://site.example')
    .setAudience('palaver')
    .setExpirationTime('1h')
    .sign(SECRET);
}

http.createServer(async (req, res) => {
  const user = { id: 42, name: 'Alice', moderator: true };    // your signed-in user
  const token = await chatToken(user);
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html>
<title>Our community</title>
<h1>Chat</h1>
<iframe src="${CHAT}/?channel=lobby&jwt=postMessage" style="width:100%;height:600px;border:0"></iframe>
<script>
  // The chat says when it is ready; answer with the token, to the chat's origin only.
  addEventListener('message', (event) => {
    if (event.origin !== ${JSON.stringify(CHAT)} || event.data?.type !== 'palaver:ready') return;
    event.source.postMessage({ type: 'palaver:token', token: ${JSON.stringify(token)} }, ${JSON.stringify(CHAT)});
  });
</script>`);
}).listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
