// The responders' console: log in with a token, the live incident list, one incident's view
// with the chat and the escalation steps, phone reports. Speaks namespace /respond.
//
// Kept in the browser: the token, in sessionStorage (this tab only), so a reload stays logged in.

import {
  byId,
  catalogue,
  el,
  emitAck,
  enterSends,
  errorKey,
  failureOf,
  lang,
  languageName,
  languageSwitch,
  LANGUAGES,
  preferredLanguage,
  RETRY_BUSY_MS,
  setLanguage,
  show,
  t,
  tabStore,
  translate,
  whenConnected,
} from "./common.js";
import { Conversation, socketSender } from "./chat.js";
import * as detail from "./incident.js";
import * as alarm from "./alarm.js";
import { proveConnects } from "./pow.js";

const KEY_TOKEN = "tipline.console.token";
const RANK = { emergency: 2, urgent: 1, routine: 0 };
const STEP_ERRORS = {
  invalid_transition: "console.invalid_transition",
  already_claimed: "console.already_claimed",
  claimed_by_other: "console.claimed_by_other",
  empty: "err.empty",
  too_long: "err.too_long",
};

const app = {
  socket: null,
  incidents: new Map(),
  unread: new Map(),
  conversations: new Map(),
  current: null,
  next: null, // the cursor of the list's next page (`incident:list` `next`), null at its end
  // This console's responder id (`responder:me`): its own messages and what it may step.
  me: null,
};

// The first messages an agent always sends, one click each into the reply box (never sent
// by itself). Texts come from the catalogue of the reporter's language when there is one,
// else the console's. A school's own set may come from its config later (docs/web.md).
const CANNED = ["console.canned.thanks", "console.canned.safe", "console.canned.where"];
// How often the "unclaimed for N min" lines are rewritten.
const WAIT_TICK_MS = 15000;

function setText(id, key) {
  const node = byId(id);
  node.dataset.i18n = key || "";
  node.textContent = key ? t(key) : "";
}

// Lower case, accents off: "jose" finds "José", "tl-d4" finds "TL-D4V2…".
function folded(value) {
  return String(value || "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

// The search box: every word must be in the incident's id, school (name or code) or text.
function matches(incident, words) {
  const haystack = folded([incident.incident_id, incident.org_name, incident.org_code, incident.text].join(" "));
  return words.every((word) => haystack.includes(word));
}

// Emergencies first (open ones above everything), then newest first.
function ordered() {
  const status = byId("filter-status").value;
  const urgency = byId("filter-urgency").value;
  const words = folded(byId("search").value).split(/\s+/).filter(Boolean);
  const visible = [...app.incidents.values()].filter(
    (i) => (status === "all" || i.status === status) && (!urgency || i.urgency === urgency) && matches(i, words),
  );
  const top = (i) => (i.urgency === "emergency" && i.status !== "resolved" ? 1 : 0);
  return visible.sort(
    (a, b) => top(b) - top(a) || (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0),
  );
}

const SNIPPET = 140;

function listItem(incident) {
  const unread = app.unread.get(incident.incident_id) || 0;
  const language = incident.language && incident.language !== "und" ? incident.language.toUpperCase() : "";
  const first = el("span", { cls: "line" }, [
    detail.badge(incident.urgency, `urgency.${incident.urgency}`),
    el("span", { key: `category.${incident.category}` }),
    language ? el("span", { cls: "sub", text: language }) : null,
    unread ? el("span", { cls: "badge badge--unread", text: `${unread} ${t("console.unread")}` }) : null,
  ]);
  const text = incident.text || "";
  const snippet = text.length > SNIPPET ? `${text.slice(0, SNIPPET).trimEnd()}…` : text;
  const since = detail.unclaimedSince(incident);
  const second = el("span", { cls: "line sub" }, [
    el("span", { text: incident.org_name || incident.org_code }),
    detail.localTime(incident.created_at, incident),
    el("span", { key: `status.${incident.status}` }),
    incident.claimed_by ? el("span", { text: `· ${incident.claimed_by}` }) : null,
    // A case read from the record (left the live window, or purged): nothing to do here.
    incident.read_only
      ? el("span", {
        cls: "badge badge--record",
        key: incident.read_only_reason === "purged" ? "console.list_purged" : "console.list_read_only",
      })
      : null,
  ]);
  const button = el("button", {
    attrs: { type: "button", "data-incident": incident.incident_id },
  }, [first, snippet ? el("span", { cls: "snippet", text: snippet }) : null, second,
    since ? el("span", { cls: "line" }, [detail.waiting(since)]) : null]);
  if (incident.incident_id === app.current) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => open(incident.incident_id));
  return el("li", { cls: "incident-item" }, [button]);
}

function renderList() {
  const items = ordered().map(listItem);
  byId("incidents").replaceChildren(...items);
  show(byId("incidents-empty"), items.length === 0);
}

// The list comes in pages (docs/protocol-extensions.md); the first holds every open
// emergency and unclaimed urgent incident however many newer ones a flood brought.
const PAGE = 100;

function showMore(next) {
  app.next = next || null;
  show(byId("incidents-more"), Boolean(app.next));
}

// A call with no answer in time rejects (emitAck). Where nothing waits on it (a socket event,
// a menu), the list stays as it is and the next event or reconnect asks again; it must not
// end as an uncaught error in the page.
// A claim, a step or a phone report with no answer may still have been recorded (the answer
// is what got lost): say so, rather than "could not reach", so the agent looks before trying
// again and a phone report is not filed twice.
const UNANSWERED = "console.err.unanswered";

function background(promise) {
  promise.catch(() => {});
}

async function refreshList() {
  const ack = await emitAck(app.socket, "incident:list", { status: byId("filter-status").value, limit: PAGE });
  if (!ack.ok) return;
  app.incidents = new Map(ack.incidents.map((i) => [i.incident_id, i]));
  showMore(ack.next);
  renderList();
  // How many lists the server has sent: lets a test (or a person's tools) see a reload land.
  const list = byId("incidents");
  list.dataset.loads = String(Number(list.dataset.loads || 0) + 1);
}

async function loadMore() {
  if (!app.next) return;
  const status = byId("filter-status").value;
  const ack = await emitAck(app.socket, "incident:list", { status, limit: PAGE, before: app.next });
  if (!ack.ok || status !== byId("filter-status").value) return;
  for (const incident of ack.incidents) {
    if (!app.incidents.has(incident.incident_id)) app.incidents.set(incident.incident_id, incident);
  }
  showMore(ack.next);
  renderList();
}

function upsert(incident) {
  app.incidents.set(incident.incident_id, incident);
  renderList();
  alarm.settle(incident);
  if (incident.incident_id === app.current) detail.render(incident, app.me);
}

function conversationFor(incident) {
  let conversation = app.conversations.get(incident.incident_id);
  if (!conversation) {
    conversation = new Conversation({
      own: "responder",
      me: app.me,
      send: socketSender(app.socket, { incident_id: incident.incident_id }),
      timeZone: detail.zoneOf(incident),
    });
    app.conversations.set(incident.incident_id, conversation);
  }
  return conversation;
}

// Joining puts this connection in the conversation's room; done again after each reconnect.
async function join(incidentId) {
  const ack = await emitAck(app.socket, "incident:join", { incident_id: incidentId });
  if (!ack.ok) return null;
  const conversation = conversationFor(ack.incident);
  for (const message of ack.messages) conversation.add(message);
  app.incidents.set(incidentId, ack.incident);
  await conversation.flush();
  return ack.incident;
}

async function open(incidentId) {
  if (app.current !== incidentId) detail.confirmStep(null);
  app.current = incidentId;
  app.unread.delete(incidentId);
  alarm.seen(incidentId);
  detail.showError("");
  setText("open-error", "");
  let incident = null;
  try {
    incident = await join(incidentId);
  } catch {
    // No answer (disconnected): the reconnect joins the current incident again.
  }
  if (app.current !== incidentId) return;
  if (!incident) return setText("open-error", "err.generic");
  byId("chat").replaceChildren(app.conversations.get(incidentId).list);
  detail.render(incident, app.me);
  cannedReplies(incident);
  show(byId("detail-empty"), false);
  show(byId("detail-body"), true);
  renderList();
  byId("detail-heading").focus();
}

async function catchUp(incidentId) {
  const conversation = app.conversations.get(incidentId);
  const ack = await emitAck(app.socket, "messages:since", {
    incident_id: incidentId,
    after_seq: conversation.contiguous(),
  });
  if (ack.ok) for (const message of ack.messages) conversation.add(message);
}

function onMessage(message) {
  const conversation = app.conversations.get(message.incident_id);
  if (conversation) {
    if (message.seq > conversation.contiguous() + 1) background(catchUp(message.incident_id));
    else conversation.add(message);
  }
  if (message.incident_id !== app.current && message.from === "reporter") {
    app.unread.set(message.incident_id, (app.unread.get(message.incident_id) || 0) + 1);
    renderList();
  }
}

function onNew(incident) {
  upsert(incident);
  if (incident.urgency === "emergency") alarm.raise(incident, "emergency");
}

// The alert comes before the incident's own update: its fields (school, claim) are fresher.
function onAlert(info) {
  alarm.raise({ ...app.incidents.get(info.incident_id), ...info }, info.reason);
}

async function onConnect() {
  setText("conn", "conn.online");
  const me = await emitAck(app.socket, "responder:me", {});
  if (me.ok) app.me = me.responder_id;
  await refreshList();
  for (const incidentId of app.conversations.keys()) await join(incidentId);
  // An incident whose first join got no answer is opened now.
  if (app.current && !app.conversations.has(app.current)) await open(app.current);
  if (app.current && app.incidents.has(app.current)) detail.render(app.incidents.get(app.current), app.me);
}

function wire(socket) {
  socket.on("connect", () => background(onConnect()));
  socket.on("disconnect", () => setText("conn", navigator.onLine ? "conn.reconnecting" : "conn.offline"));
  // As on the reporter page: drop at once when the browser knows the network is gone, so the
  // reconnect (re-join, catch-up by seq, resends) starts as soon as it is back.
  window.addEventListener("offline", () => {
    socket.disconnect();
    setText("conn", "conn.offline");
  });
  window.addEventListener("online", () => socket.connect());
  socket.on("connect_error", (err) => {
    // Socket.IO gives up after a refusal; "busy" is worth another try, a revoked token is not.
    const failure = failureOf(socket, err);
    if (failure === "busy") setTimeout(() => socket.connect(), RETRY_BUSY_MS);
    if (failure === "refused") logout();
  });
  socket.on("incident:new", onNew);
  socket.on("incident:updated", upsert);
  socket.on("incident:alert", onAlert);
  socket.on("message", onMessage);
}

// While someone floods wrong tokens, the server asks a proof of work of each connect: solved
// in the worker (pow.js), "Checking…" on the login button, or in the status once logged in.
function checking(socket, on) {
  if (app.socket === socket) {
    if (on) setText("conn", "conn.checking");
    return;
  }
  byId("login-send").textContent = t(on ? "console.checking" : "console.login");
}

async function login(token) {
  const socket = window.io("/respond", { auth: { token }, reconnectionDelayMax: 5000 });
  proveConnects(socket, { checking: (on) => checking(socket, on) });
  try {
    await whenConnected(socket);
  } catch (err) {
    socket.disconnect();
    const keys = { refused: "console.bad_token", busy: "err.busy", network: "err.network" };
    if (err.message === "refused") tabStore.remove(KEY_TOKEN);
    setText("login-error", keys[err.message]);
    return;
  }
  app.socket = socket;
  tabStore.set(KEY_TOKEN, token);
  wire(socket);
  show(byId("view-login"), false);
  show(byId("view-main"), true);
  show(byId("logout"), true);
  await onConnect();
  byId("list-heading").focus();
}

function logout() {
  tabStore.remove(KEY_TOKEN);
  if (app.socket) app.socket.disconnect();
  window.location.reload();
}

// The step just recorded, as the server wrote it on the timeline (its time, outcome, note).
function recorded(incident, action) {
  return (incident.escalation || []).filter((s) => s.action === action).pop();
}

async function step(button) {
  if (!app.current) return;
  detail.showError("");
  const payload = detail.stepPayload(app.current, button);
  let ack;
  try {
    ack = await emitAck(app.socket, "incident:step", payload);
  } catch {
    return detail.showError(UNANSWERED);
  }
  if (!ack.ok) return detail.showError(errorKey(ack, STEP_ERRORS));
  byId("step-note").value = "";
  upsert(ack.incident);
  const done = recorded(ack.incident, payload.action) || { ...payload, at: new Date().toISOString() };
  detail.confirmStep(done, ack.incident);
}

async function claim() {
  detail.showError("");
  let ack;
  try {
    ack = await emitAck(app.socket, "incident:claim", { incident_id: app.current });
  } catch {
    return detail.showError(UNANSWERED);
  }
  if (!ack.ok) return detail.showError(errorKey(ack, STEP_ERRORS));
  const incident = ack.incident || { ...app.incidents.get(app.current), claimed_by: ack.claimed_by };
  upsert(incident);
  detail.confirmStep(recorded(incident, "claim") || { action: "claim", at: new Date().toISOString() }, incident);
}

// The canned replies in the reporter's language (its catalogue), else the console's.
async function cannedReplies(incident) {
  const wanted = LANGUAGES.includes(incident.language) ? incident.language : lang();
  let texts;
  try {
    texts = await catalogue(wanted);
  } catch {
    texts = null;
  }
  if (app.current !== incident.incident_id || !texts) return;
  const label = byId("canned-label");
  label.textContent = `${t("console.canned_label")} (${languageName(wanted)})`;
  const buttons = CANNED.map((key) => {
    const button = el("button", { text: texts[key], attrs: { type: "button", lang: wanted, "data-canned": key } });
    button.addEventListener("click", () => fillReply(texts[key]));
    return button;
  });
  byId("canned").replaceChildren(label, ...buttons);
}

// Into the reply box, after what is already there; the agent reads it and sends it.
function fillReply(text) {
  const input = byId("chat-input");
  input.value = input.value.trim() ? `${input.value.trimEnd()} ${text}` : text;
  // The box is right below the buttons: focus it where it is, without moving the page.
  input.focus({ preventScroll: true });
  input.setSelectionRange(input.value.length, input.value.length);
}

function sendMessage(event) {
  event.preventDefault();
  const input = byId("chat-input");
  const text = input.value.trim();
  if (!text || !app.current) return setText("chat-error", "err.empty");
  setText("chat-error", "");
  app.conversations.get(app.current).write(text, app.socket.connected);
  input.value = "";
}

async function phoneReport(event) {
  event.preventDefault();
  const payload = { org_code: byId("phone-code").value.trim(), text: byId("phone-text").value.trim() };
  const category = byId("phone-category").value;
  if (category) payload.category = category;
  if (!payload.text) return setText("phone-error", "err.empty");
  let ack;
  try {
    ack = await emitAck(app.socket, "report:phone", payload);
  } catch {
    return setText("phone-error", UNANSWERED);
  }
  if (!ack.ok) return setText("phone-error", errorKey(ack, { unknown_org: "err.code", ...STEP_ERRORS }));
  setText("phone-error", "");
  byId("phone-form").reset();
  show(byId("phone-form"), false);
  try {
    await refreshList();
  } catch {
    // The list catches up on the next event; the report itself is stored (its ack came).
  }
  await open(ack.incident_id);
}

function bind() {
  byId("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = byId("token").value.trim();
    if (!token) return setText("login-error", "console.bad_token");
    alarm.prepare();
    background(login(token));
  });
  byId("logout").addEventListener("click", logout);
  byId("filter-status").addEventListener("change", () => background(refreshList()));
  byId("incidents-more").addEventListener("click", () => background(loadMore()));
  byId("filter-urgency").addEventListener("change", renderList);
  byId("search").addEventListener("input", renderList);
  enterSends(byId("chat-input"));
  setInterval(() => {
    for (const node of document.querySelectorAll(".wait[data-since]")) detail.tickWaiting(node);
  }, WAIT_TICK_MS);
  byId("claim").addEventListener("click", claim);
  byId("chat-form").addEventListener("submit", sendMessage);
  for (const button of document.querySelectorAll("[data-step], [data-action]")) {
    button.addEventListener("click", () => step(button));
  }
  alarm.onOpen(open);
  byId("phone-open").addEventListener("click", () => {
    show(byId("phone-form"), true);
    byId("phone-heading").focus();
  });
  byId("phone-cancel").addEventListener("click", () => show(byId("phone-form"), false));
  byId("phone-form").addEventListener("submit", phoneReport);
}

async function main() {
  await setLanguage(preferredLanguage());
  languageSwitch(byId("lang"), () => {
    renderList();
    if (app.current && app.incidents.has(app.current)) {
      detail.render(app.incidents.get(app.current), app.me);
      cannedReplies(app.incidents.get(app.current));
    }
    translate(document);
  });
  bind();
  document.addEventListener("click", alarm.prepare, { once: true });
  document.body.dataset.ready = "true";
  const saved = tabStore.get(KEY_TOKEN);
  if (saved) await login(saved);
}

main();
