// A client process of the chat benchmark, in Node.js: benchmarks/chat_worker.py's commands
// and its message format, over the `ws` package.
//
// Why: the Python worker (lean_client.py on aiohttp) costs 100-260 µs of CPU a message, a
// fifth to a third of the server it measures; on a 2-core machine that CPU is taken from the
// servers. This one does the same work for a fraction of that (docs/performance.md).
//
// Protocol with chat_bench.py: one JSON object per line. The first line on stdin is the
// config ({mode, report_urls, respond_urls, agent_token, pairs}); then each line is a command
// ({cmd: "reporters" | "responders" | "closed" | "open" | "close", ...}) and each answer is
// one line on stdout. Times are CLOCK_MONOTONIC seconds, Python's time.monotonic().
//
// Wire format (text frames): `0{...}` Engine.IO open; `2` ping, answered `3`; `4` + a
// Socket.IO packet: `0/ns,{auth}` connect, `2/ns,<id>["event",data]` event, `3/ns,<id>[data]`
// ack, `4/ns,{...}` connect error.

import readline from "node:readline";
import WebSocket from "ws";

const PAD = "x".repeat(40); // a short chat line is ~60-100 characters
const REPORT_TEXT = "someone keeps taking my lunch in the cafeteria and laughing about it";
const BATCH = 50; // connections opened at once

const monotonic = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000)));

class LeanClient {
  constructor(namespace, onEvent) {
    this.namespace = namespace;
    this.onEvent = onEvent;
    this.acks = new Map();
    this.nextId = 0;
    this.ws = null;
    this.connected = null;
  }

  connect(baseUrl, auth) {
    const url = baseUrl.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket";
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws = ws;
      this.connected = { resolve, reject };
      let opened = false;
      ws.on("message", (data) => {
        const text = data.toString();
        if (!opened) {
          opened = true;
          if (text[0] !== "0") return this.fail(new Error(`unexpected Engine.IO open: ${text.slice(0, 80)}`));
          ws.send(`40${this.namespace},${JSON.stringify(auth)}`);
        } else if (text === "2") {
          ws.send("3");
        } else if (text[0] === "4") {
          this.packet(text);
        }
      });
      ws.on("error", (err) => this.fail(err));
      ws.on("close", () => this.fail(new Error("websocket closed")));
    });
  }

  packet(text) {
    const kind = text[1];
    let rest = text.slice(2);
    if (rest[0] === "/") rest = rest.slice(rest.indexOf(",") + 1);
    if (kind === "2") {
      const [name, data] = JSON.parse(rest.slice(rest.indexOf("[")));
      this.onEvent(name, data);
    } else if (kind === "3") {
      const start = rest.indexOf("[");
      const id = Number(rest.slice(0, start));
      const ack = this.acks.get(id);
      this.acks.delete(id);
      if (ack) ack(JSON.parse(rest.slice(start))[0]);
    } else if (kind === "0" && this.connected) {
      this.connected.resolve();
      this.connected = null;
    } else if (kind === "4" && this.connected) {
      this.connected.reject(new Error(`connect refused: ${rest.slice(0, 200)}`));
      this.connected = null;
    }
  }

  emit(event, data, onAck) {
    const id = ++this.nextId;
    this.acks.set(id, onAck);
    this.ws.send(`42${this.namespace},${id}${JSON.stringify([event, data])}`);
  }

  call(event, data) {
    return new Promise((resolve) => this.emit(event, data, resolve));
  }

  fail(err) {
    if (this.connected) {
      this.connected.reject(err);
      this.connected = null;
    }
    for (const ack of this.acks.values()) ack({ ok: false, error: String(err) });
    this.acks.clear();
  }

  close() {
    if (this.ws) this.ws.terminate();
  }
}

class Tally {
  constructor() {
    this.delivered = 0;
    this.duplicates = 0;
    this.acks_ok = 0;
    this.acks_err = 0;
    this.sent = 0;
    this.errors = [];
    this.latencies_ms = [];
    this.seen = new Set();
  }
}

class Worker {
  constructor(config) {
    this.mode = config.mode; // "tipline" or "baseline"
    this.reportUrls = config.report_urls;
    this.respondUrls = config.respond_urls;
    this.token = config.agent_token || "";
    this.pairs = config.pairs.map((i) => this.pair(i));
    this.tally = new Tally();
    this.closedLoop = false;
    this.record = [0, 0];
    this.phase = 0;
    this.onAck = (value) => this.ack(value);
  }

  pair(index) {
    const pair = { index, incidentId: "", sent: [0, 0] };
    pair.reporter = new LeanClient("/report", this.handler(pair, 0));
    pair.responder = new LeanClient("/respond", this.handler(pair, 1));
    return pair;
  }

  handler(pair, side) {
    return (name, data) => {
      if (name !== "message" || !data.text.startsWith("b|")) return;
      const [, p, fromSide, k, scheduled, phase] = data.text.split("|", 6);
      const now = monotonic();
      // A backlog of the previous phase landing now is not this phase's delivery.
      if (Number(phase) === this.phase && this.record[0] <= now && now <= this.record[1]) {
        const key = `${p}|${fromSide}|${k}`;
        if (this.tally.seen.has(key)) {
          this.tally.duplicates += 1;
        } else {
          this.tally.seen.add(key);
          this.tally.delivered += 1;
          this.tally.latencies_ms.push((now - Number(scheduled)) * 1000);
        }
      }
      if (this.closedLoop) this.send(pair, side, now); // one message in flight per pair
    };
  }

  ack(value) {
    if (value && value.ok) {
      this.tally.acks_ok += 1;
      return;
    }
    this.tally.acks_err += 1;
    if (this.tally.errors.length < 5) this.tally.errors.push(JSON.stringify(value).slice(0, 200));
  }

  send(pair, side, scheduled) {
    const k = pair.sent[side]++;
    const text = `b|${pair.index}|${side}|${k}|${scheduled.toFixed(6)}|${this.phase}|${PAD}`;
    const payload = { text, client_id: `${side}-${k}` };
    if (side === 1 && this.mode === "tipline") payload.incident_id = pair.incidentId;
    this.tally.sent += 1;
    (side === 0 ? pair.reporter : pair.responder).emit("message:send", payload, this.onAck);
  }

  async batched(one) {
    const started = monotonic();
    for (let at = 0; at < this.pairs.length; at += BATCH) {
      await Promise.all(this.pairs.slice(at, at + BATCH).map(one));
    }
    return { seconds: monotonic() - started, pairs: this.pairs.length };
  }

  setupReporters() {
    return this.batched(async (pair) => {
      const url = this.reportUrls[pair.index % this.reportUrls.length];
      if (this.mode === "baseline") return pair.reporter.connect(url, { pair: pair.index });
      await pair.reporter.connect(url, { org_code: "DEMO" });
      const ack = await pair.reporter.call("report:create", { text: REPORT_TEXT });
      if (!ack || !ack.ok) throw new Error(`report:create refused: ${JSON.stringify(ack)}`);
      pair.incidentId = ack.incident_id;
    });
  }

  setupResponders() {
    return this.batched(async (pair) => {
      const url = this.respondUrls[pair.index % this.respondUrls.length];
      if (this.mode === "baseline") return pair.responder.connect(url, { pair: pair.index });
      await pair.responder.connect(url, { token: this.token });
      const ack = await pair.responder.call("incident:join", { incident_id: pair.incidentId });
      if (!ack || !ack.ok) throw new Error(`incident:join refused: ${JSON.stringify(ack)}`);
    });
  }

  async runClosed(start, end) {
    this.tally = new Tally();
    this.record = [start, end];
    this.closedLoop = true;
    this.phase += 1;
    const now = monotonic();
    for (const pair of this.pairs) this.send(pair, 0, now);
    await sleep(end - monotonic());
    this.closedLoop = false;
    await sleep(1.0); // let what is in flight land (not counted: after `end`)
    return this.result();
  }

  async runOpen(rate, start, end) {
    this.tally = new Tally();
    this.record = [start, end + 5.0];
    this.phase += 1;
    const interval = 1.0 / rate;
    const n = this.pairs.length;
    let sent = 0;
    await sleep(start - monotonic());
    // Every message due by now goes out; latency is from its *scheduled* time.
    for (;;) {
      const due = start + sent * interval;
      if (due >= end) break;
      const wait = due - monotonic();
      if (wait > 0) await sleep(wait);
      this.send(this.pairs[sent % n], Math.floor(sent / n) % 2, due);
      sent += 1;
    }
    const deadline = end + 5.0;
    while (this.tally.delivered < this.tally.sent && monotonic() < deadline) await sleep(0.05);
    return this.result();
  }

  result() {
    const { seen, ...tally } = this.tally;
    const usage = process.cpuUsage();
    return { ...tally, cpu_s: (usage.user + usage.system) / 1e6 };
  }

  close() {
    for (const pair of this.pairs) {
      pair.reporter.close();
      pair.responder.close();
    }
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let worker = null;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const message = JSON.parse(line);
    if (worker === null) {
      worker = new Worker(message);
      continue;
    }
    let answer;
    try {
      if (message.cmd === "reporters") answer = await worker.setupReporters();
      else if (message.cmd === "responders") answer = await worker.setupResponders();
      else if (message.cmd === "closed") answer = await worker.runClosed(message.start, message.end);
      else if (message.cmd === "open") answer = await worker.runOpen(message.rate, message.start, message.end);
      else {
        worker.close();
        process.stdout.write(JSON.stringify({ closed: true }) + "\n");
        process.exit(0);
      }
    } catch (err) {
      answer = { error: `${err.name}: ${err.message}` };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  }
}

main();
