/**
 * A MAM query (storage/archive.ts ArchiveFilter and PageRequest) against PostgreSQL's
 * room_archive (or account_archive), with the meaning the SQLite store gives it: paging walks `seq`, ids are
 * turned into seq bounds, counts are of the filtered set.
 */
import { ArchiveIdNotFound, type ArchiveFilter, type ArchivePage, type ArchivedMessage, type PageRequest } from '../archive.js';
import { toTsQuery } from './archive-search.js';
import type { ArchiveTable, Queryable } from './archive-rows.js';

interface Row { seq: string; id: string; stanza: string; timestamp: string }

/** Query text and its parameters, built up one condition at a time. */
class Conditions {
  readonly where: string[] = [];
  readonly params: unknown[] = [];

  add(condition: (placeholder: string) => string, value: unknown): void {
    this.params.push(value);
    this.where.push(condition(`$${this.params.length}`));
  }

  copy(): Conditions {
    const copy = new Conditions();
    copy.where.push(...this.where);
    copy.params.push(...this.params);
    return copy;
  }

  get sql(): string {
    return this.where.join(' AND ');
  }
}

export async function queryArchive(
  db: Queryable, room: string, filter: ArchiveFilter, page: PageRequest,
  toMessage: (row: { id: string; stanza: string; timestamp: number }) => ArchivedMessage,
  table: ArchiveTable = 'room_archive',
): Promise<ArchivePage> {
  // Every id is resolved before deciding the answer is empty: unknown ids are an error either way.
  const seqs = await seqsOf(db, table, room, [filter.afterId, filter.beforeId, ...(filter.ids ?? []), page.after, page.before || undefined]);
  const filtered = new Conditions();
  filtered.add((p) => `room = ${p}`, room);
  if (filter.start !== undefined) filtered.add((p) => `timestamp >= ${p}`, filter.start);
  if (filter.end !== undefined) filtered.add((p) => `timestamp <= ${p}`, filter.end);
  if (filter.nick !== undefined) filtered.add((p) => `nick = ${p}`, filter.nick);
  if (filter.occupantId !== undefined) filtered.add((p) => `occupant_id = ${p}`, filter.occupantId);
  if (filter.afterId !== undefined) filtered.add((p) => `seq > ${p}`, seqs.get(filter.afterId));
  if (filter.beforeId !== undefined) filtered.add((p) => `seq < ${p}`, seqs.get(filter.beforeId));
  if (filter.ids !== undefined) filtered.add((p) => `seq = ANY(${p}::bigint[])`, filter.ids.map((id) => seqs.get(id)));
  if (filter.search !== undefined) {
    const match = toTsQuery(filter.search);
    if (match === null) return { messages: [], complete: true, count: 0 };
    filtered.add((p) => `search @@ to_tsquery('simple', ${p})`, match);
  }

  const paged = filtered.copy();
  if (page.after !== undefined) paged.add((p) => `seq > ${p}`, seqs.get(page.after));
  if (page.before) paged.add((p) => `seq < ${p}`, seqs.get(page.before));
  const backward = page.before !== undefined;
  const useIndex = page.index !== undefined && page.after === undefined && !backward;
  const limit = paged.params.push(page.max + 1);
  const offset = paged.params.push(useIndex ? page.index! : 0);

  const [pageResult, count] = await Promise.all([
    db.query<Row>(`SELECT seq, id, stanza, timestamp FROM ${table} WHERE ${paged.sql}
      ORDER BY seq ${backward ? 'DESC' : 'ASC'} LIMIT $${limit} OFFSET $${offset}`, paged.params),
    countOf(db, table, filtered),
  ]);
  const rows = pageResult.rows;
  const more = rows.length > page.max;
  const pageRows = rows.slice(0, page.max);
  if (backward) pageRows.reverse();

  const first = pageRows[0];
  let firstIndex: number | undefined;
  if (first !== undefined) {
    const before = filtered.copy();
    before.add((p) => `seq < ${p}`, first.seq);
    firstIndex = useIndex ? page.index! : await countOf(db, table, before);
  }
  const messages = pageRows.map((row) => toMessage({ id: row.id, stanza: row.stanza, timestamp: Number(row.timestamp) }));
  return { messages, complete: !more, count, firstIndex };
}

/** The seq of each named id, in one round trip; throws ArchiveIdNotFound for the first the room does not hold. */
async function seqsOf(db: Queryable, table: ArchiveTable, room: string, named: readonly (string | undefined)[]): Promise<Map<string, string>> {
  const ids = named.filter((id): id is string => id !== undefined);
  const seqs = new Map<string, string>();
  if (ids.length === 0) return seqs;
  const { rows } = await db.query<{ id: string; seq: string }>(
    `SELECT id, seq FROM ${table} WHERE room = $1 AND id = ANY($2::text[])`, [room, ids]);
  for (const row of rows) seqs.set(row.id, row.seq);
  const missing = ids.find((id) => !seqs.has(id));
  if (missing !== undefined) throw new ArchiveIdNotFound(missing);
  return seqs;
}

async function countOf(db: Queryable, table: ArchiveTable, conditions: Conditions): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${conditions.sql}`, conditions.params);
  return Number(rows[0]!.n);
}
