// The reporter's page: file a report with a school's access code (or come back with a
// receipt), then chat with the responders. Speaks namespace /report of PROTOCOL.md.
//
// Kept in the browser, in sessionStorage (this tab only, gone when it closes): the receipt,
// needed to reconnect after a reload. Nothing else, ever: a reloaded page asks for the whole
// conversation again, so even the last message number need not be kept.

import {
  byId,
  el,
  emitAck,
  enterSends,
  errorKey,
  failureOf,
  languageSwitch,
  newClientId,
  preferredLanguage,
  RETRY_BUSY_MS,
  setLanguage,
  show,
  t,
  tabStore,
  whenConnected,
} from "./common.js";
import { Conversation, socketSender } from "./chat.js";
import { createReport, proveConnects } from "./pow.js";

const KEY_RECEIPT = "tipline.receipt";
const REPORT_ERRORS = { empty: "err.empty", too_long: "err.too_long", rate_limited: "err.busy" };

const page = { socket: null, conversation: null };

// The report being sent and its client id, in this page's memory only, until the server
// acknowledges it: every try of the same report (the page's own retries and the student's
// next click on "Send") carries the same id, so the server files it once and answers each
// try with the same incident and receipt (docs/protocol-extensions.md).
const sending = { key: null, clientId: null };
const REPORT_TRIES = 3;
const REPORT_RETRY_MS = 1000;

function clientIdFor(code, text, category) {
  const key = JSON.stringify([code.toUpperCase(), text, category]);
  if (sending.key !== key) {
    sending.key = key;
    sending.clientId = newClientId();
  }
  return sending.clientId;
}

// An ack that did not come (a timeout, a dropped connection) is tried again with the same
// client id; the socket reconnects by itself and sends what it buffered meanwhile.
async function sendReport(socket, payload) {
  for (let tries = 1; ; tries += 1) {
    try {
      return await createReport(socket, payload);
    } catch (err) {
      if (tries >= REPORT_TRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, REPORT_RETRY_MS * tries));
    }
  }
}

function view(name) {
  for (const id of ["view-start", "view-receipt", "view-chat"]) show(byId(id), id === name);
  const heading = byId(name).querySelector("h2[tabindex]");
  if (heading) heading.focus();
}

function setError(id, key) {
  const node = byId(id);
  node.dataset.i18n = key || "";
  node.textContent = key ? t(key) : "";
}

function connection(key) {
  const node = byId("conn");
  node.dataset.i18n = key;
  node.textContent = t(key);
  node.dataset.state = key.split(".")[1];
}

// The socket is opened with the access code to file, or the receipt to resume; after a report
// is filed its auth becomes the receipt, so every reconnect lands in the same conversation.
function openSocket(auth) {
  const socket = window.io("/report", { auth, reconnectionDelayMax: 5000 });
  page.socket = socket;
  page.conversation = new Conversation({
    own: "reporter",
    send: socketSender(socket),
  });
  byId("chat").replaceChildren(page.conversation.list);
  // While someone floods wrong receipts, the server asks a proof of work of each connect with
  // one: solved in the worker, "Checking…" meanwhile (pow.js). Registered first, so the
  // handlers below see such a refusal marked as being proved.
  proveConnects(socket, {
    wanted: () => page.socket === socket,
    checking: (on) => checking(socket, on),
  });
  socket.on("connect", () => {
    connection("conn.online");
    if (socket.auth.receipt) catchUp();
  });
  socket.on("disconnect", () => connection(navigator.onLine ? "conn.reconnecting" : "conn.offline"));
  socket.io.on("reconnect_attempt", () => connection("conn.reconnecting"));
  socket.on("connect_error", (err) => {
    // A refusal "for now" (busy, rate limited) ends Socket.IO's own retries: schedule one.
    if (failureOf(socket, err) === "busy" && page.socket === socket) {
      setTimeout(() => page.socket === socket && socket.connect(), RETRY_BUSY_MS);
    }
  });
  socket.on("message", (message) => {
    const conversation = page.conversation;
    if (message.seq > conversation.contiguous() + 1) catchUp();
    else conversation.add(message);
    emptyHint();
  });
  return socket;
}

function checking(socket, on) {
  if (page.socket !== socket) return;
  byId("resume-send").textContent = t(on ? "resume.checking" : "resume.continue");
  if (on) connection("conn.checking");
}

// Resend what the server has not acknowledged, then fetch whatever was missed. The resends go
// first so that a message whose ack was lost is matched to its seq before the catch-up shows it.
async function catchUp() {
  const { socket, conversation } = page;
  await conversation.flush();
  try {
    const ack = await emitAck(socket, "messages:since", { after_seq: conversation.contiguous() });
    if (ack.ok) for (const message of ack.messages) conversation.add(message);
  } catch {
    // Disconnected again; the next connect catches up.
  }
  emptyHint();
}

function emptyHint() {
  show(byId("chat-empty"), page.conversation.size === 0);
  // "What happens next" has happened once a responder (or the system line) is here.
  if (page.conversation.list.querySelector(".msg--other, .msg--system")) show(byId("chat-next"), false);
}

function ownReport(text) {
  byId("own-report-text").textContent = text;
  show(byId("own-report"), Boolean(text));
}

async function fileReport(event) {
  event.preventDefault();
  const code = byId("org-code").value.trim();
  const text = byId("report-text").value.trim();
  const category = byId("category").value;
  if (!code) return setError("file-error", "err.code");
  if (!text) return setError("file-error", "err.empty");
  setError("file-error", "");
  const button = byId("file-send");
  button.disabled = true;
  button.textContent = t("file.sending");
  try {
    await submitReport(code, text, category);
  } finally {
    button.disabled = false;
    button.textContent = t("file.send");
  }
}

// Forgets a socket that led nowhere, so that no later `online` event revives it.
function drop(socket) {
  socket.disconnect();
  if (page.socket === socket) page.socket = null;
}

const CONNECT_ERRORS = { refused: "err.code", busy: "err.busy", network: "err.network" };

async function submitReport(code, text, category) {
  const socket = openSocket({ org_code: code });
  try {
    await whenConnected(socket);
  } catch (err) {
    drop(socket);
    return setError("file-error", CONNECT_ERRORS[err.message]);
  }
  let ack;
  try {
    // With a proof of work, solved in a worker: a flood on the access code cannot turn it away.
    const payload = { text, client_id: clientIdFor(code, text, category) };
    if (category) payload.category = category;
    ack = await sendReport(socket, payload);
  } catch {
    drop(socket);
    return setError("file-error", "err.network");
  }
  if (!ack.ok) {
    drop(socket);
    return setError("file-error", errorKey(ack, REPORT_ERRORS));
  }
  sending.key = null;
  socket.auth = { receipt: ack.receipt };
  tabStore.set(KEY_RECEIPT, ack.receipt);
  byId("report-text").value = "";
  ownReport(text);
  showReceipt(ack.receipt);
  whatNext(ack.urgency === "emergency");
  view("view-receipt");
}

// In groups of four that never break inside (white-space: nowrap each, a break allowed
// after every dash); its text stays the receipt exactly, for copying.
function showReceipt(receipt) {
  const parts = [];
  receipt.split("-").forEach((group, i) => {
    if (i) parts.push("-", el("wbr"));
    parts.push(el("span", { cls: "receipt__group", text: group }));
  });
  byId("receipt-value").replaceChildren(...parts);
}

// What happens next, once a report is filed: after one the server called an emergency
// (`urgency` in the ack, docs/protocol-extensions.md) that responders are alerted now and
// 911 is the way for danger; after any other that a person reads it and answers here.
function whatNext(emergency) {
  const key = emergency ? "receipt.next_emergency" : "receipt.next";
  for (const id of ["receipt-next", "chat-next"]) {
    const node = byId(id);
    node.dataset.i18n = key;
    node.dataset.urgent = String(emergency);
    node.textContent = t(key);
  }
  show(byId("chat-next"), true);
}

// The banner is one line; "More" shows the full sentences and the text line of 988.
function dangerToggle() {
  const button = byId("danger-toggle");
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    button.dataset.i18n = open ? "danger.less" : "danger.more";
    button.textContent = t(button.dataset.i18n);
    show(byId("danger-more"), open);
  });
}

async function resume(receipt, { quiet = false } = {}) {
  const socket = openSocket({ receipt });
  try {
    await whenConnected(socket);
  } catch (err) {
    if (err.message === "refused") {
      drop(socket);
      tabStore.remove(KEY_RECEIPT);
      if (!quiet) setError("resume-error", "err.receipt");
      return;
    }
    // Unreachable or busy for now: open the chat anyway; the socket keeps trying (see
    // openSocket) and catches up when it gets in.
  }
  tabStore.set(KEY_RECEIPT, receipt);
  enterChat();
  if (socket.connected) {
    // The report's own text is not a chat message: ask for it to show it above the chat.
    emitAck(socket, "report:get", {})
      .then((ack) => { if (ack.ok) ownReport(ack.text); })
      .catch(() => {});
  }
}

function enterChat() {
  // The receipt is shown once: it leaves the page as the chat opens.
  byId("receipt-value").textContent = "";
  view("view-chat");
  connection(page.socket.connected ? "conn.online" : "conn.reconnecting");
  emptyHint();
}

function sendMessage(event) {
  event.preventDefault();
  const input = byId("chat-input");
  const text = input.value.trim();
  if (!text) return setError("chat-error", "err.empty");
  setError("chat-error", "");
  page.conversation.write(text, page.socket.connected);
  input.value = "";
  emptyHint();
}

async function copyReceipt() {
  const value = byId("receipt-value").textContent;
  let key = "receipt.copied";
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    key = "receipt.copy_failed";
    window.getSelection().selectAllChildren(byId("receipt-value"));
  }
  const status = byId("receipt-copied");
  status.dataset.i18n = key;
  status.textContent = t(key);
}

function leave() {
  tabStore.remove(KEY_RECEIPT);
  if (page.socket) page.socket.disconnect();
  window.location.reload();
}

// The browser knows it lost the network before the socket's heartbeat notices: drop the
// socket at once (messages written meanwhile queue visibly) and reconnect when it is back.
function watchNetwork() {
  window.addEventListener("offline", () => {
    if (page.socket && page.socket.connected) page.socket.disconnect();
    if (page.socket) connection("conn.offline");
  });
  window.addEventListener("online", () => {
    if (page.socket && !page.socket.connected) page.socket.connect();
  });
}

async function main() {
  await setLanguage(preferredLanguage());
  languageSwitch(byId("lang"));
  byId("file-form").addEventListener("submit", fileReport);
  byId("resume-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const receipt = byId("receipt-input").value.trim();
    if (!receipt) return setError("resume-error", "err.receipt");
    setError("resume-error", "");
    resume(receipt);
  });
  byId("check-link").addEventListener("click", (event) => {
    event.preventDefault();
    byId("resume-form").scrollIntoView({ block: "center" });
    byId("receipt-input").focus({ preventScroll: true });
  });
  dangerToggle();
  enterSends(byId("report-text"));
  enterSends(byId("chat-input"));
  byId("receipt-copy").addEventListener("click", copyReceipt);
  byId("receipt-done").addEventListener("click", enterChat);
  byId("chat-form").addEventListener("submit", sendMessage);
  byId("chat-leave").addEventListener("click", leave);
  watchNetwork();
  document.body.dataset.ready = "true";
  const saved = tabStore.get(KEY_RECEIPT);
  if (saved) await resume(saved, { quiet: true });
}

main();
