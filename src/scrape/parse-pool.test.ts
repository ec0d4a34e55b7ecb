import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { ParsePool, ParseWorkerError, defaultParseWorkers } from "./index.ts";
import { ColumnsMediaType, parseToColumns } from "./parsed-body.ts";

const BODY = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2 1000\nbad line\n';

function lines(n: number): Buffer {
  let s = "";
  for (let i = 0; i < n; i++) s += `m{i="${i}"} ${i}\n`;
  return Buffer.from(s);
}

test("parse pool: a worker parses like the calling thread would", async () => {
  const pool = new ParsePool({ size: 1 });
  try {
    assert.equal(pool.workers, 0, "workers start on first use");
    const got = await pool.parse(Buffer.from(BODY), ColumnsMediaType.Text);
    assert.deepEqual(got, parseToColumns(Buffer.from(BODY), ColumnsMediaType.Text));
    assert.equal(got.error?.message, 'strconv.ParseFloat: parsing "line": invalid syntax while parsing: "bad line"');
    assert.equal(pool.workers, 1);
  } finally {
    await pool.close();
  }
});

test("parse pool: a body spanning its buffer is transferred, a view into a shared buffer is copied", async () => {
  const pool = new ParsePool({ size: 1 });
  try {
    const whole = lines(10_000);
    assert.equal(whole.byteLength, whole.buffer.byteLength);
    const n = whole.byteLength;
    const r1 = await pool.parse(whole, ColumnsMediaType.Text);
    assert.equal(r1.n, 10_000);
    assert.equal(whole.byteLength, 0, "detached by the transfer");
    const view = Buffer.from("a 1\n"); // from Node's shared buffer pool
    assert.notEqual(view.byteLength, view.buffer.byteLength);
    const r2 = await pool.parse(view, ColumnsMediaType.Text);
    assert.equal(r2.n, 1);
    assert.equal(view.toString(), "a 1\n", "left intact");
    assert.ok(n > 0);
  } finally {
    await pool.close();
  }
});

test("parse pool: parallel parses share at most size workers", async () => {
  const pool = new ParsePool({ size: 2 });
  try {
    const got = await Promise.all([1, 2, 3, 4, 5].map((k) => pool.parse(lines(k * 1000), ColumnsMediaType.Text)));
    assert.deepEqual(
      got.map((c) => c.n),
      [1000, 2000, 3000, 4000, 5000],
    );
    assert.equal(pool.workers, 2);
  } finally {
    await pool.close();
  }
});

test("parse pool: canceling a parse terminates its worker; a new worker takes the next parse", async () => {
  const pool = new ParsePool({ size: 1 });
  try {
    const ctl = new AbortController();
    const parsing = pool.parse(lines(300_000), ColumnsMediaType.Text, ctl.signal);
    const queued = new AbortController();
    const waiting = pool.parse(lines(10), ColumnsMediaType.Text, queued.signal);
    const next = pool.parse(lines(20), ColumnsMediaType.Text);
    assert.equal(pool.workers, 1);
    const rejected = [
      assert.rejects(parsing, (e: unknown) => e instanceof ParseWorkerError && e.message === "parse canceled: context canceled"),
      assert.rejects(waiting, (e: unknown) => e instanceof ParseWorkerError && e.message === "parse canceled: queued one canceled"),
    ];
    queued.abort(new Error("queued one canceled"));
    ctl.abort(new Error("context canceled"));
    await Promise.all(rejected);
    assert.equal((await next).n, 20, "parsed by the replacement worker");
    assert.equal(pool.workers, 1);
    await assert.rejects(pool.parse(lines(1), ColumnsMediaType.Text, ctl.signal), (e: unknown) => e instanceof ParseWorkerError, "already aborted");
  } finally {
    await pool.close();
  }
});

test("parse pool: close() rejects in-flight, queued and later parses", async () => {
  const pool = new ParsePool({ size: 1 });
  const closed = (e: unknown): boolean => e instanceof ParseWorkerError && e.message === "parse pool closed";
  const inFlight = assert.rejects(pool.parse(lines(200_000), ColumnsMediaType.Text), closed);
  const queued = assert.rejects(pool.parse(lines(10), ColumnsMediaType.Text), closed);
  await pool.close();
  await Promise.all([inFlight, queued]);
  assert.equal(pool.workers, 0);
  await assert.rejects(pool.parse(lines(1), ColumnsMediaType.Text), closed);
  await pool.close();
});

test("parse pool: size is validated; the default leaves a core to the main thread", () => {
  assert.throws(() => new ParsePool({ size: 0 }), RangeError);
  const d = defaultParseWorkers();
  assert.ok(d >= 1 && d <= 2, String(d));
});

test("parse pool: the default size follows the cgroup CPU quota (PROMSTACK_CGROUP_DIR) when it is below the cores", () => {
  const prev = process.env.PROMSTACK_CGROUP_DIR;
  const dir = mkdtempSync(join(tmpdir(), "promstack-parse-pool-cgroup-"));
  process.env.PROMSTACK_CGROUP_DIR = dir;
  try {
    const cases = [
      { cpuMax: "100000 100000\n", want: 1 }, // one CPU: no core to spare, still one worker
      { cpuMax: "300000 100000\n", want: Math.max(1, Math.min(2, Math.min(3, availableParallelism()) - 1)) },
      { cpuMax: "max 100000\n", want: Math.max(1, Math.min(2, availableParallelism() - 1)) },
    ];
    for (const c of cases) {
      writeFileSync(join(dir, "cpu.max"), c.cpuMax);
      assert.equal(defaultParseWorkers(), c.want, c.cpuMax);
    }
  } finally {
    if (prev === undefined) delete process.env.PROMSTACK_CGROUP_DIR;
    else process.env.PROMSTACK_CGROUP_DIR = prev;
    rmSync(dir, { recursive: true, force: true });
  }
});
