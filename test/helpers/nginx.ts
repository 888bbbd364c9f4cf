/**
 * Debian's nginx (/usr/sbin/nginx; packages nginx-light and, for `tcp`, libnginx-mod-stream)
 * as a plain round-robin balancer in front of several Palaver nodes, the way README "Running
 * several nodes" tells an admin to set it up: HTTP with WebSocket upgrades and
 * X-Forwarded-For, no sticky sessions, and optionally the TCP c2s port through `stream`.
 * It listens on 127.0.0.1 on free ports and keeps its config, pid, logs and temporary files
 * in a temp dir, running as the current user. Fails loudly when nginx is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort, waitWhileStarting } from './server-process.js';

export const NGINX = process.env.PALAVER_TEST_NGINX ?? '/usr/sbin/nginx';
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface NginxOptions {
  /** HTTP ports of the nodes on 127.0.0.1 (landing page, WebSocket, BOSH, upload). */
  http: readonly number[];
  /** TCP c2s ports of the nodes on 127.0.0.1, balanced by nginx's stream module; none = no stream block. */
  tcp?: readonly number[];
  /** The nginx binary (default NGINX). */
  binary?: string;
  /** The balancer's HTTP port, when it must be known before the nodes start (their public_url); default a free one. */
  httpPort?: number;
}

export interface Nginx {
  /** The balancer's HTTP port. */
  httpPort: number;
  /** The balancer's c2s port, when `tcp` was given. */
  tcpPort?: number;
  pid: number;
  dir: string;
  /** The access log: one line per HTTP request, `upstream=<the node's address>` at the end. */
  accessLog(): string;
  errorLog(): string;
  /** Upstream addresses of the HTTP requests logged so far, oldest first. */
  upstreams(): string[];
  /** Stops nginx (SIGTERM to its master, by pid: open WebSockets are not waited for; SIGKILL after 5 s) and removes its dir. */
  stop(): Promise<void>;
}

function requireNginx(binary: string, withStream: boolean): void {
  if (!fs.existsSync(binary)) {
    throw new Error(`nginx is not installed at ${binary}: apt-get install nginx-light libnginx-mod-stream (as .ci/run does)`);
  }
  if (withStream && !fs.existsSync(STREAM_MODULE)) {
    throw new Error(`nginx's stream module is not installed at ${STREAM_MODULE}: apt-get install libnginx-mod-stream`);
  }
}

/** The config file: every path nginx would write is in `dir`. */
export function nginxConfig(dir: string, options: NginxOptions, ports: { http: number; tcp?: number }): string {
  const servers = (list: readonly number[]) => list.map((port) => `    server 127.0.0.1:${port};`).join('\n');
  // Only a master started as root switches users; it must not switch to one that cannot write `dir`.
  const user = process.getuid?.() === 0 ? `user ${os.userInfo().username};\n` : '';
  const stream = options.tcp && ports.tcp !== undefined ? `
stream {
  upstream palaver_c2s {
${servers(options.tcp)}
  }
  server {
    listen 127.0.0.1:${ports.tcp};
    proxy_pass palaver_c2s;
    proxy_timeout 10m;
  }
}
` : '';
  return `${options.tcp ? `load_module ${STREAM_MODULE};\n` : ''}${user}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;

events {
  worker_connections 1024;
}

http {
  log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }

  upstream palaver_http {
${servers(options.http)}
  }

  server {
    listen 127.0.0.1:${ports.http};
    client_max_body_size 0;
    location / {
      proxy_pass http://palaver_http;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 120s;
    }
  }
}
${stream}`;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = options.binary ?? NGINX;
  requireNginx(binary, options.tcp !== undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-nginx-'));
  const ports = { http: options.httpPort ?? await freePort(), tcp: options.tcp ? await freePort() : undefined };
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, nginxConfig(dir, options, ports));
  const errorLogFile = path.join(dir, 'error.log');
  const read = (name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : '');

  // -e: the error log before the config is read, which would otherwise be /var/log/nginx.
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', file, '-e', errorLogFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const state = async () => (child.exitCode !== null || child.signalCode !== null ? 'exited'
    : (await canConnect(ports.http)) && (ports.tcp === undefined || await canConnect(ports.tcp)) ? 'listening' : 'starting');
  const reached = await waitWhileStarting(state, 10_000);
  if (reached !== 'listening') {
    child.kill('SIGKILL');
    await exited;
    const logs = `${stderr}${read('error.log')}`;
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${logs}`);
  }

  return {
    httpPort: ports.http,
    ...(ports.tcp !== undefined ? { tcpPort: ports.tcp } : {}),
    pid: child.pid!,
    dir,
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log'),
    upstreams: () => [...read('access.log').matchAll(/ upstream=(\S+)$/gm)].map((match) => match[1]!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
