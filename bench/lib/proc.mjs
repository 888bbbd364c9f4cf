/**
 * What the server process costs, read from /proc: CPU time (utime + stime of every thread,
 * in clock ticks of `getconf CLK_TCK`) and resident memory (VmRSS).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clockTicks = null;

/** Clock ticks per second, from `getconf CLK_TCK` (100 on Linux almost everywhere). */
export function clkTck() {
  if (clockTicks === null) {
    clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (!Number.isFinite(clockTicks) || clockTicks <= 0) throw new Error('getconf CLK_TCK gave no number');
  }
  return clockTicks;
}

/** The fields of /proc/PID/stat after the command name (which may contain spaces). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(text.indexOf('(') + 1, close), rest: text.slice(close + 2).split(' ') };
}

/** CPU milliseconds the process has used so far: user, system, and their sum. */
export function cpuTimes(pid) {
  const { rest } = statFields(pid);
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const user = (Number(rest[11]) * 1000) / clkTck();
  const system = (Number(rest[12]) * 1000) / clkTck();
  return { user, system, total: user + system };
}

/** CPU milliseconds (user + system) the process has used so far. */
export function cpuMs(pid) {
  return cpuTimes(pid).total;
}

/** Resident set size in KiB (VmRSS from /proc/PID/status). */
export function rssKb(pid) {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** The soft "Max open files" limit of a process. */
export function openFileLimit(pid) {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return match ? match[1] : 'unknown';
}

export function commOf(pid) {
  return statFields(pid).comm;
}

/** Parent PID → its children ({ pid, name }), from one pass over /proc. */
function childrenByParent() {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { comm: name, rest } = statFields(entry);
      const parent = rest[1];
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push({ pid: Number(entry), name });
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** `pid` and every process below it (a primary and its workers). */
export function processTree(pid) {
  const children = childrenByParent();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(String(tree[i])) ?? []).map((child) => child.pid));
  return tree;
}

/** The first descendant of `pid` (or pid itself) whose command name is `comm`, or null. */
export function findDescendant(pid, comm) {
  const children = childrenByParent();
  const queue = [String(pid)];
  try {
    if (commOf(pid) === comm) return pid;
  } catch {
    return null;
  }
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      if (child.name === comm) return child.pid;
      queue.push(String(child.pid));
    }
  }
  return null;
}

/** A snapshot to subtract from a later one. */
export function sample(pid) {
  return { at: performance.now(), cpuMs: cpuMs(pid), rssKb: rssKb(pid) };
}
