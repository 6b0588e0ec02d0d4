// One conversation as the browser sees it: messages ordered by `seq`, each shown once, and
// the person's own messages that the server has not stored yet.
//
// States of an own message:
//   queued    - written while offline; it goes out when the connection is back
//   sent      - emitted, the server has not acknowledged it yet
//   delivered - acknowledged: the server stored it and gave it a `seq`
//   failed    - refused (empty or too long); it will not be retried
// A resend after a reconnect reuses the message's client_id, so the server stores it once.
// A catch-up may bring an own message before its ack: the copy on screen (same words, oldest
// first) becomes the stored one, and the ack only confirms it.

import { el, emitAck, newClientId, t, timeElement } from "./common.js";

const WHO = {
  reporter: "chat.reporter",
  responder: "chat.responder",
  system: "chat.system",
};
const REFUSED = { empty: "err.empty", too_long: "err.too_long" };
// System lines the server writes in English, shown in the page's language. The server's text
// is kept as is for any line not listed here (a test keeps this in step with the engine).
const SYSTEM_KEYS = {
  "A trained responder has joined the conversation.": "system.joined",
  "Your report had been closed. It is open again and responders have been alerted; someone will answer you here. If anyone is in danger right now, call 911.": "system.reopened",
};
const ACK_TIMEOUT_MS = 10000;
// Refusals that say "not now" rather than "never": the message waits and goes again.
const TRANSIENT = new Set(["rate_limited", "unavailable", "conflict"]);
const RETRY_MS = 15000;

export class Conversation {
  // own: the `from` value of this person's messages ("reporter" or "responder").
  // me: on the console, this responder's id: a responder message is "You" only when its
  // `by` is this responder (others show their name); the reporter page has no `me`.
  // send(text, clientId) emits and resolves with the ack.
  // onChange(contiguous) is told the highest `seq` with nothing missing below it.
  constructor({ own, me = null, send, onChange = () => {}, timeZone }) {
    this.own = own;
    this.me = me;
    this.send = send;
    this.onChange = onChange;
    this.timeZone = timeZone;
    this.list = el("ol", { cls: "chat__list" });
    this.seen = new Map();
    this.pending = new Map();
  }

  // Highest n such that every seq from 1 to n is on screen: what `messages:since` asks after.
  contiguous() {
    let n = 0;
    while (this.seen.has(n + 1)) n += 1;
    return n;
  }

  highest() {
    return this.seen.size ? Math.max(...this.seen.keys()) : 0;
  }

  get size() {
    let unmatched = 0;
    for (const entry of this.pending.values()) if (entry.seq === undefined) unmatched += 1;
    return this.seen.size + unmatched;
  }

  // A message from the server (live, caught up, or on join). Returns false if already shown.
  add(message) {
    if (!message || typeof message.seq !== "number" || this.seen.has(message.seq)) return false;
    const mine = message.from === this.own && (this.me === null || message.by === this.me);
    // One of ours that a catch-up brought before its ack (the server stored it; the ack is
    // still on its way, or lost): the copy on screen becomes it, so it is never shown twice
    // and never left "sent" beside its stored self. The ack then only confirms it.
    const entry = mine ? this.unconfirmed(message.text) : null;
    if (entry) {
      entry.seq = message.seq;
      this.show(entry.item, message.seq);
      return true;
    }
    const item = this.item(message.from, message.text, message.at, mine, message.by_name);
    this.show(item, message.seq, mine);
    return true;
  }

  // The oldest own message not yet acknowledged nor matched whose text is `text`.
  unconfirmed(text) {
    for (const entry of this.pending.values()) {
      if (entry.seq === undefined && entry.text === text) return entry;
    }
    return null;
  }

  // Shows `item` as the stored message `seq`, in order.
  show(item, seq, mine = true) {
    item.dataset.seq = String(seq);
    if (mine) this.setState(item, "delivered");
    this.seen.set(seq, item);
    item.remove();
    this.insert(item, seq);
    this.onChange(this.contiguous());
  }

  // The person writes: shown at once, sent when possible.
  write(text, connected) {
    const clientId = newClientId();
    const item = this.item(this.own, text, new Date().toISOString(), true);
    this.pending.set(clientId, { text, item });
    this.follow(() => this.list.append(item));
    this.setState(item, "queued");
    if (connected) this.deliver(clientId);
    return item;
  }

  // After a (re)connect: everything not yet acknowledged goes out again, oldest first.
  async flush() {
    for (const clientId of [...this.pending.keys()]) {
      await this.deliver(clientId);
    }
  }

  async deliver(clientId) {
    const entry = this.pending.get(clientId);
    if (!entry || entry.inFlight) return;
    entry.inFlight = true;
    // Once a catch-up showed it stored (add), its copy says "delivered" whatever this try
    // meets: the try only confirms it.
    const state = (name, reason) => {
      if (entry.seq === undefined) this.setState(entry.item, name, reason);
    };
    state("sent");
    let ack;
    try {
      ack = await this.send(entry.text, clientId, ACK_TIMEOUT_MS);
    } catch {
      // Offline, or no answer in time: the next connect resends it (flush), and so does a
      // timer, for an ack lost while the connection stayed up. The server stores it once.
      entry.inFlight = false;
      state("queued");
      setTimeout(() => this.deliver(clientId), RETRY_MS);
      return;
    }
    entry.inFlight = false;
    const code = ack.error && ack.error.code;
    if (ack.ok) {
      this.delivered(clientId, ack.seq);
    } else if (TRANSIENT.has(code)) {
      state("queued");
      setTimeout(() => this.deliver(clientId), RETRY_MS);
    } else {
      this.pending.delete(clientId);
      state("failed", REFUSED[code] || "err.generic");
    }
  }

  delivered(clientId, seq) {
    const entry = this.pending.get(clientId);
    if (!entry) return;
    this.pending.delete(clientId);
    if (entry.seq === seq) return; // a catch-up matched it already (add)
    if (entry.seq !== undefined) {
      // Matched by its text to another stored message of the same words (written twice):
      // its copy stays that one; this one gets its own, unless shown already.
      if (!this.seen.has(seq)) {
        this.show(this.item(this.own, entry.text, new Date().toISOString(), true), seq);
      }
      return;
    }
    if (this.seen.has(seq)) {
      // Shown already by another path: keep one copy.
      entry.item.remove();
      return;
    }
    this.show(entry.item, seq);
  }

  // Keeps the newest message in view, unless the person scrolled up to read older ones.
  follow(place) {
    const box = this.list.parentElement;
    if (!box) return place();
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    place();
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  // Ordered by seq; pending messages stay at the end, below everything stored.
  insert(item, seq) {
    this.follow(() => this.place(item, seq));
  }

  place(item, seq) {
    for (const other of this.list.children) {
      const otherSeq = other.dataset.seq ? Number(other.dataset.seq) : Infinity;
      if (otherSeq > seq) {
        this.list.insertBefore(item, other);
        return;
      }
    }
    this.list.append(item);
  }

  item(from, text, at, mine, byName) {
    const kind = from === "system" ? "system" : mine ? "own" : "other";
    const who = mine ? "chat.you" : WHO[from] || "chat.system";
    // Another responder's message names them (responders only: the reporter gets no name).
    const whoNode = !mine && from === "responder" && byName
      ? el("span", { cls: "msg__who" }, [el("span", { text: byName }), " · ", el("span", { key: who })])
      : el("span", { cls: "msg__who", key: who });
    const meta = el("p", { cls: "msg__meta" }, [
      whoNode,
      " ",
      timeElement(at, { timeZone: this.timeZone, withDate: "auto" }),
    ]);
    const systemKey = from === "system" ? SYSTEM_KEYS[text] : undefined;
    const body = systemKey
      ? el("p", { cls: "msg__text", key: systemKey })
      : el("p", { cls: "msg__text", text });
    const children = [meta, body];
    if (mine) children.push(el("p", { cls: "msg__state" }));
    return el("li", { cls: `msg msg--${kind}` }, children);
  }

  setState(item, stateName, reasonKey) {
    const node = item.querySelector(".msg__state");
    if (!node) return;
    item.dataset.state = stateName;
    node.dataset.i18n = reasonKey || `chat.state.${stateName}`;
    node.textContent = t(node.dataset.i18n);
  }
}

// Emits a message:send over `socket` with `extra` fields (the console adds incident_id).
export function socketSender(socket, extra = {}) {
  return (text, clientId, timeoutMs) => {
    // Offline, Socket.IO would buffer the emit and send it later on its own; we resend from
    // `flush()` instead, so that every message goes out exactly through one path.
    if (!socket.connected) return Promise.reject(new Error("offline"));
    return emitAck(socket, "message:send", { ...extra, text, client_id: clientId }, timeoutMs);
  };
}
